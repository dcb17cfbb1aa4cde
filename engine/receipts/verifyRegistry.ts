import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { LOCAL_ANCHORS_FILE, type LocalAnchor } from '../../store/ledger/localAnchors.js';
import type { LedgerProblem } from '../../store/ledger/verifyLedger.js';
import { readRegistry, registeredSlugs, registryFile, type DatasetRegistry, type RegistryVersion } from '../../store/registry/datasetRegistry.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';
import type { StateVersionMode } from '../../store/state/stateVersionModes.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { KfmError } from '../../core/error.js';
import { claimedReceipt } from './ledgerReader.js';
import type { AuditNotice } from './auditNotice.js';
import { anchoredLedger, checkAnchor, checkLocalAnchors, foreignAnchorNotice, isLocalAnchor, type AnchoredLedger } from './checkAnchor.js';

/** The local anchors file, relative to the project root (as messages name it). */
const LOCAL_ANCHORS_PATH = `.kfm/${LOCAL_ANCHORS_FILE}`;

type Receipts = Map<string, { seq: number; r: Partial<RunReceipt> }[]>;

/** What one slug's checks add to. */
interface SlugAudit {
  slug: string;
  receipts: Receipts;
  stateVersions: readonly StateVersionMode[];
  ledger: AnchoredLedger;
  at: (problem: string, seq?: number | null, reason?: LedgerProblem['reason']) => void;
  note: (notice: string) => void;
}

/**
 * The committed registry (`registry/*.json`) against the state database and the ledger's
 * receipts (what they claim; their signatures are verifyLedger's business):
 * - every version the state or the ledger knows is listed (none was removed);
 * - every listed version has run receipts (none was made up), and its mode is the one its
 *   receipts and the state record;
 * - a `published` version has a granted promote receipt, and a version with one is not a
 *   candidate (a denied promotion, validation.status `fail`, publishes nothing);
 * - latest_version_id is the version the ledger's last granted promotion of the dataset published;
 * - every `receipts_anchor` that names this ledger (checkAnchor.ts) is in it, with its hash,
 *   and is a receipt of its version; and so is every local anchor (`.kfm/anchors.json`).
 * What another ledger recorded (a committed anchor naming it, and for such a version that
 * this checkout holds no receipts or no promotion of it) is a notice: not checkable here.
 * A registry file that does not read (not JSON, fails its schema) is a problem.
 */
export function verifyRegistry(
  root: string,
  rows: readonly LedgerEntry[],
  stateVersions: readonly StateVersionMode[],
  localAnchors: readonly LocalAnchor[] = [],
): { problems: LedgerProblem[]; notices: AuditNotice[] } {
  const problems: LedgerProblem[] = [];
  const notices: AuditNotice[] = [];
  const receipts: Receipts = new Map();
  for (const row of rows) {
    const r = row.kind === LEDGER_KIND_RUN_RECEIPT ? claimedReceipt(row) : undefined;
    if (!r || typeof r.dataset_slug !== 'string' || typeof r.dataset_version_id !== 'string') continue;
    const key = `${r.dataset_slug}@${r.dataset_version_id}`;
    const own = receipts.get(key);
    if (own) own.push({ seq: row.seq, r });
    else receipts.set(key, [{ seq: row.seq, r }]);
  }
  const ledger = anchoredLedger(rows);
  const checked = new Set<string>();
  const slugs = new Set([...registeredSlugs(root), ...stateVersions.map((v) => v.datasetSlug), ...[...receipts.keys()].map((k) => k.split('@')[0]!)]);
  for (const slug of [...slugs].sort(compareCodePoints)) {
    const file = registryFile(slug);
    const a: SlugAudit = {
      slug,
      receipts,
      stateVersions,
      ledger,
      at: (problem, seq = null, reason = 'registry-mismatch') => problems.push({ seq, reason, problem: `${file}: ${problem}`, file }),
      note: (notice) => notices.push({ notice: `${file}: ${notice}`, file }),
    };
    let registry: DatasetRegistry | undefined;
    try {
      registry = readRegistry(root, slug);
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      a.at(`${e.message}`);
      continue;
    }
    checkListed(a, registry);
    if (!registry) continue;
    for (const v of registry.versions) {
      checkVersion(a, v);
      const anchor = v.receipts_anchor;
      if (anchor && isLocalAnchor(anchor, ledger)) checked.add(`${slug}@${v.dataset_version_id} ${anchor.seq} ${anchor.entry_hash}`);
    }
    checkLatest(a, registry);
  }
  const skip = (l: LocalAnchor) => l.ledger_id === ledger.id && checked.has(`${l.dataset_slug}@${l.dataset_version_id} ${l.seq} ${l.entry_hash}`);
  for (const p of checkLocalAnchors(localAnchors, ledger, skip)) problems.push({ seq: p.seq, reason: 'anchor-missing', problem: p.problem, file: LOCAL_ANCHORS_PATH });
  return { problems, notices };
}

/** Every version the state or the ledger knows is listed. */
function checkListed(a: SlugAudit, registry: DatasetRegistry | undefined): void {
  const listed = new Set((registry?.versions ?? []).map((v) => v.dataset_version_id));
  const known = new Map<string, string>();
  for (const v of a.stateVersions) if (v.datasetSlug === a.slug) known.set(v.datasetVersionId, 'the state database records it');
  for (const key of a.receipts.keys()) {
    const [s, dvid] = key.split('@') as [string, string];
    if (s === a.slug) known.set(dvid, `the ledger holds its receipts (seq ${a.receipts.get(key)![0]!.seq} on)`);
  }
  for (const [dvid, why] of [...known].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    if (!listed.has(dvid)) a.at(`version ${dvid} is not listed, but ${why}: a version was removed from the registry`);
  }
}

/** One listed version: its receipts, mode, status and anchor. */
function checkVersion(a: SlugAudit, v: RegistryVersion): void {
  const { slug } = a;
  const dvid = v.dataset_version_id;
  const own = a.receipts.get(`${slug}@${dvid}`) ?? [];
  const state = a.stateVersions.find((s) => s.datasetSlug === slug && s.datasetVersionId === dvid);
  const anchor = v.receipts_anchor;
  // Recorded by another ledger: what only that ledger holds is not checkable here.
  const foreign = anchor !== undefined && !isLocalAnchor(anchor, a.ledger);
  if (foreign) a.note(foreignAnchorNotice(anchor, dvid, a.ledger));
  if (own.length === 0) {
    if (foreign && !state) a.note(`version ${dvid} has no receipts in this ledger: it was not built here (build ${slug}@${v.slice} to record them)`);
    else a.at(`version ${dvid} has no run receipt in the ledger (a version no build recorded; a build killed before its receipts: build ${slug}@${v.slice} again)`);
  }
  // A version's own mode is its build's: retries, rebuilds and rollbacks are operations on it.
  const modes = new Set(own.map((x) => x.r.mode as string | undefined).filter((m): m is string => typeof m === 'string' && !['retry', 'rebuild', 'rollback'].includes(m)));
  if (modes.size > 0 && !modes.has(v.mode)) a.at(`version ${dvid} has mode ${v.mode}, but its receipts record ${[...modes].sort().join(', ')}`, own[0]!.seq);
  if (state?.mode && state.mode !== v.mode) a.at(`version ${dvid} has mode ${v.mode}, but the state database records ${state.mode}`);
  const promoted = own.some(granted);
  if (v.status === 'published' && !promoted) {
    if (foreign) a.note(`version ${dvid} is published, and this ledger holds no promote receipt for it: the ledger that recorded it promoted it`);
    else a.at(`version ${dvid} is published, but the ledger holds no promote receipt for it`);
  }
  if (v.status === 'candidate' && promoted) a.at(`version ${dvid} is a candidate, but the ledger holds a promote receipt for it`);
  if (v.status === 'superseded' && !foreign && !rolledBackFrom(a, dvid)) a.at(`version ${dvid} is superseded, but the ledger holds no rollback receipt withdrawing it`);
  if (anchor && !foreign) {
    const p = checkAnchor(anchor, slug, dvid, a.ledger);
    if (p) a.at(p.problem, p.seq, 'anchor-missing');
  }
}

/** latest_version_id is what the ledger's last promotion or rollback of the dataset made it (or another ledger's, when this one has none). */
function checkLatest(a: SlugAudit, registry: DatasetRegistry): void {
  const { slug } = a;
  const promotions = [...a.receipts.entries()]
    .filter(([k]) => k.startsWith(`${slug}@`))
    .flatMap(([, xs]) => xs.filter((x) => granted(x) || x.r.operation === 'rollback'))
    .sort((x, y) => x.seq - y.seq);
  const last = promotions[promotions.length - 1];
  const expected = last ? (last.r.dataset_version_id ?? null) : null;
  if (registry.latest_version_id === expected) return;
  const latest = registry.versions.find((v) => v.dataset_version_id === registry.latest_version_id);
  if (!last && latest?.receipts_anchor && !isLocalAnchor(latest.receipts_anchor, a.ledger)) {
    a.note(`latest_version_id is ${latest.dataset_version_id}, promoted by the ledger that recorded it: this ledger holds no promotion of ${slug}`);
    return;
  }
  a.at(
    last
      ? `latest_version_id is ${registry.latest_version_id ?? 'null'}, but the ledger's last ${last.r.operation === 'rollback' ? 'rollback' : 'promotion'} of ${slug} (seq ${last.seq}) made ${String(expected)} the latest`
      : `latest_version_id is ${registry.latest_version_id ?? 'null'}, but the ledger holds no promotion of ${slug}`,
    last?.seq ?? null,
  );
}

/** Whether a rollback receipt of the dataset names the version as the one it withdrew. */
function rolledBackFrom(a: SlugAudit, dvid: string): boolean {
  for (const [k, xs] of a.receipts) {
    if (!k.startsWith(`${a.slug}@`)) continue;
    if (xs.some((x) => x.r.operation === 'rollback' && x.r.environment?.parameters?.['from'] === dvid)) return true;
  }
  return false;
}

/** A promote receipt that took effect: not a denied promotion. */
function granted(x: { r: Partial<RunReceipt> }): boolean {
  return x.r.operation === 'promote' && x.r.validation?.status !== 'fail';
}
