import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../core/json.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { claimedReceipt, readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import { datasetStatuses } from '../../engine/versions/datasetStatus.js';
import { LEDGER_KIND_APPROVAL } from '../../store/receipts/approvalRecord.js';
import { ReadOnlyState } from '../../store/state/readOnlyState.js';
import { catalogLayout } from '../catalog/catalogLayout.js';
import { qaFindings } from '../promotion/qaFindings.js';
import { promotionSummary, type PromotionSummary } from './lineageStatus.js';

/** One ledger entry of a version, as its page lists it (`/api/v1/receipts/<seq>` decodes and verifies it). */
export interface VersionReceipt {
  seq: number;
  kind: string;
  operation: string | null;
  node: string | null;
  run_id: string | null;
  validation_status: string | null;
  created_at: string;
}

export interface GateRow {
  gate: string;
  name: string;
  answer: string;
  reasons: string[];
}

/** A citation: an EvidenceRef (resolvable at `/api/v1/evidence?ref=`) and what it names. */
export interface Citation {
  ref: string;
  label: string;
}

export interface VersionDetail {
  dataset_slug: string;
  dataset_version_id: string;
  slice: string;
  spec_hash: string;
  status: string;
  latest: boolean;
  mode: string;
  /** Why the build found this rerun mode (the state's record, else the version's first receipt). */
  mode_reason: string | null;
  created_at: string;
  failed_checks: Json[];
  /** The gates of the version's last promotion attempt (empty when never put to promotion). */
  gates: GateRow[];
  promotions: PromotionSummary[];
  /** The QA report (qa/validation_report.json), null when there is none. */
  qa: { path: string; status: string; report: Json } | null;
  receipts: VersionReceipt[];
  citations: Citation[];
}

/**
 * A dataset's versions (oldest first) with what a version page shows: mode and its reason,
 * status, the gates of its last promotion attempt, its QA report, its ledger entries and its
 * catalog citations. Read-only: the registry, the ledger, the state (read-only) and data/.
 */
export async function versionDetails(paths: ProjectPaths, slug: string): Promise<VersionDetail[]> {
  const [status] = await datasetStatuses(paths, { slug });
  if (!status) return [];
  const entries = await readLedgerEntries(paths.kfmDir, slug);
  const state = ReadOnlyState.open(paths.statePath);
  const modes = new Map<string, string | null>();
  try {
    for (const m of state?.versionModes() ?? []) if (m.datasetSlug === slug) modes.set(m.datasetVersionId, m.modeReason);
  } finally {
    state?.close();
  }
  return status.versions.map((v) => {
    const dvid = v.dataset_version_id;
    const mine = entries.filter((e) => e.datasetVersionId === dvid);
    const claimed = mine.map((e) => ({ e, r: claimedReceipt(e) }));
    const promotions = claimed.filter(({ r }) => r?.operation === 'promote').map(({ e }) => promotionSummary(e));
    const lastPromote = claimed.filter(({ r }) => r?.operation === 'promote').pop()?.r;
    const gates = (lastPromote?.environment?.parameters as { gates?: GateRow[] } | undefined)?.gates ?? [];
    const qa = qaFindings(paths.dataDir, slug, dvid, v.status);
    const str = (x: unknown) => (typeof x === 'string' ? x : null);
    return {
      dataset_slug: slug,
      dataset_version_id: dvid,
      slice: v.slice,
      spec_hash: v.spec_hash,
      status: v.status,
      latest: v.latest,
      mode: v.mode,
      mode_reason: modes.get(dvid) ?? str(claimed[0]?.r?.mode_reason),
      created_at: v.created_at,
      failed_checks: (v.failed_checks ?? []) as unknown as Json[],
      gates: Array.isArray(gates) ? gates : [],
      promotions,
      qa: qa.status === 'ok' ? { path: qa.value.path, status: qa.value.status, report: readJson(join(paths.root, qa.value.path)) } : null,
      receipts: claimed.map(({ e, r }) => ({
        seq: e.seq,
        kind: e.kind,
        operation: e.kind === LEDGER_KIND_APPROVAL ? 'approve' : str(r?.operation),
        node: str(r?.node),
        run_id: e.runId,
        validation_status: str(r?.validation?.status),
        created_at: e.createdAt,
      })),
      citations: citations(paths, slug, dvid),
    };
  });
}

/** The version's catalog records that exist, as EvidenceRefs (dcat://, stac://, prov://), and the dataset version itself. */
function citations(paths: ProjectPaths, slug: string, dvid: string): Citation[] {
  const layout = catalogLayout(slug, dvid);
  const out: Citation[] = [{ ref: `kfm://dataset/${slug}@${dvid}`, label: 'dataset version' }];
  if (existsSync(join(paths.dataDir, layout.dcat))) out.push({ ref: `dcat://${slug}@${dvid}`, label: 'DCAT record' });
  if (existsSync(join(paths.dataDir, layout.collection))) out.push({ ref: `stac://${slug}@${dvid}`, label: 'STAC collection' });
  if (existsSync(join(paths.dataDir, layout.prov))) out.push({ ref: `prov://${slug}@${dvid}`, label: 'PROV bundle' });
  return out;
}

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch {
    return null;
  }
}
