import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import type { LedgerProblem } from '../../store/ledger/verifyLedger.js';
import { readRegistry, registeredSlugs, registryFile, type DatasetRegistry } from '../../store/registry/datasetRegistry.js';
import type { RunReceipt } from '../../store/receipts/runReceipt.js';
import type { StateVersionMode } from '../../store/state/stateVersionModes.js';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { KfmError } from '../../core/error.js';
import { claimedReceipt } from './ledgerReader.js';

/**
 * The committed registry (`registry/*.json`) against the state database and the ledger's
 * receipts (what they claim; their signatures are verifyLedger's business):
 * - every version the state or the ledger knows is listed (none was removed);
 * - every listed version has run receipts (none was made up), and its mode is the one its
 *   receipts and the state record;
 * - a `published` version has a granted promote receipt, and a version with one is not a
 *   candidate (a denied promotion, validation.status `fail`, publishes nothing);
 * - latest_version_id is the version the ledger's last granted promotion of the dataset published;
 * - every `receipts_anchor` is in the ledger, with its hash, and is a receipt of its version.
 * A registry file that does not read (not JSON, fails its schema) is a problem too.
 */
export function verifyRegistry(root: string, rows: readonly LedgerEntry[], stateVersions: readonly StateVersionMode[]): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const receipts = new Map<string, { seq: number; r: Partial<RunReceipt> }[]>();
  for (const row of rows) {
    const r = row.kind === LEDGER_KIND_RUN_RECEIPT ? claimedReceipt(row) : undefined;
    if (!r || typeof r.dataset_slug !== 'string' || typeof r.dataset_version_id !== 'string') continue;
    const key = `${r.dataset_slug}@${r.dataset_version_id}`;
    receipts.set(key, [...(receipts.get(key) ?? []), { seq: row.seq, r }]);
  }
  const bySeq = new Map(rows.map((r) => [r.seq, r]));
  const slugs = new Set([...registeredSlugs(root), ...stateVersions.map((v) => v.datasetSlug), ...[...receipts.keys()].map((k) => k.split('@')[0]!)]);
  for (const slug of [...slugs].sort(compareCodePoints)) {
    const file = registryFile(slug);
    const at = (problem: string, seq: number | null = null, reason: LedgerProblem['reason'] = 'registry-mismatch') =>
      problems.push({ seq, reason, problem: `${file}: ${problem}`, file });
    let registry: DatasetRegistry | undefined;
    try {
      registry = readRegistry(root, slug);
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      at(`${e.message}`);
      continue;
    }
    const listed = new Map((registry?.versions ?? []).map((v) => [v.dataset_version_id, v]));

    const known = new Map<string, string>();
    for (const v of stateVersions) if (v.datasetSlug === slug) known.set(v.datasetVersionId, 'the state database records it');
    for (const key of receipts.keys()) {
      const [s, dvid] = key.split('@') as [string, string];
      if (s === slug) known.set(dvid, `the ledger holds its receipts (seq ${receipts.get(key)![0]!.seq} on)`);
    }
    for (const [dvid, why] of [...known].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!listed.has(dvid)) at(`version ${dvid} is not listed, but ${why}: a version was removed from the registry`);
    }
    if (!registry) continue;

    for (const v of registry.versions) {
      const dvid = v.dataset_version_id;
      const own = receipts.get(`${slug}@${dvid}`) ?? [];
      if (own.length === 0) {
        at(`version ${dvid} has no run receipt in the ledger (a version no build recorded; a build killed before its receipts: build ${slug}@${v.slice} again)`);
      }
      const modes = new Set(own.map((x) => x.r.mode as string | undefined).filter((m): m is string => typeof m === 'string' && m !== 'retry'));
      if (modes.size > 0 && !modes.has(v.mode)) at(`version ${dvid} has mode ${v.mode}, but its receipts record ${[...modes].sort().join(', ')}`, own[0]!.seq);
      const state = stateVersions.find((s) => s.datasetSlug === slug && s.datasetVersionId === dvid);
      if (state?.mode && state.mode !== v.mode) at(`version ${dvid} has mode ${v.mode}, but the state database records ${state.mode}`);
      const promoted = own.some(granted);
      if (v.status === 'published' && !promoted) at(`version ${dvid} is published, but the ledger holds no promote receipt for it`);
      if (v.status === 'candidate' && promoted) at(`version ${dvid} is a candidate, but the ledger holds a promote receipt for it`);
      const anchor = v.receipts_anchor;
      if (anchor) {
        const row = bySeq.get(anchor.seq);
        const head = rows.length > 0 ? rows[rows.length - 1]!.seq : 0;
        if (!row) {
          at(`version ${dvid} anchors ledger entry seq ${anchor.seq} (${anchor.entry_hash}), but the ledger ends at seq ${head}: entries were truncated`, null, 'anchor-missing');
        } else if (row.entryHash !== anchor.entry_hash) {
          at(`version ${dvid} anchors ledger entry seq ${anchor.seq} as ${anchor.entry_hash}, but the ledger's seq ${anchor.seq} is ${row.entryHash}: the ledger was rewritten`, anchor.seq, 'anchor-missing');
        } else if (row.datasetSlug !== slug || row.datasetVersionId !== dvid) {
          at(`version ${dvid} anchors ledger entry seq ${anchor.seq}, which is a receipt of ${String(row.datasetSlug)}@${String(row.datasetVersionId)}`, anchor.seq, 'anchor-missing');
        }
      }
    }

    const promotions = [...receipts.entries()]
      .filter(([k]) => k.startsWith(`${slug}@`))
      .flatMap(([, xs]) => xs.filter(granted))
      .sort((a, b) => a.seq - b.seq);
    const last = promotions[promotions.length - 1];
    const expected = last ? (last.r.dataset_version_id ?? null) : null;
    if (registry.latest_version_id !== expected) {
      at(
        last
          ? `latest_version_id is ${registry.latest_version_id ?? 'null'}, but the ledger's last promotion of ${slug} (seq ${last.seq}) made ${String(expected)} the latest`
          : `latest_version_id is ${registry.latest_version_id ?? 'null'}, but the ledger holds no promotion of ${slug}`,
        last?.seq ?? null,
      );
    }
  }
  return problems;
}

/** A promote receipt that took effect: not a denied promotion. */
function granted(x: { r: Partial<RunReceipt> }): boolean {
  return x.r.operation === 'promote' && x.r.validation?.status !== 'fail';
}
