import type { ContentStore } from '../../store/contentStore.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import type { ReceiptOutput } from '../../store/receipts/runReceipt.js';
import type { TrustedKeys } from '../../store/receipts/trustedKeys.js';
import { verifyReceiptEnvelope } from '../../store/receipts/verifyReceiptEnvelope.js';
import { verifyReceipts } from '../../engine/receipts/verifyReceipts.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import type { ReceiptFindings } from './promotionEvidence.js';

/**
 * What gate E judges: which of the version's task nodes have a receipt in the ledger signed
 * by a pinned key, what `kfm receipts verify <slug>@<dvid>` reports (the audit code, reused
 * as it is), and which published artifacts are not an output of a verified receipt of the
 * version or are not intact in the content store (re-hashed).
 */
export async function receiptFindings(args: {
  paths: ProjectPaths;
  rows: readonly LedgerEntry[];
  keys: TrustedKeys;
  store: Pick<ContentStore, 'check'>;
  slug: string;
  dvid: string;
  nodes: string[];
  artifacts: ReceiptOutput[];
}): Promise<ReceiptFindings> {
  const { slug, dvid } = args;
  const receipted = new Set<string>();
  const produced = new Set<string>();
  for (const row of args.rows) {
    if (row.kind !== LEDGER_KIND_RUN_RECEIPT || row.datasetSlug !== slug || row.datasetVersionId !== dvid) continue;
    const v = verifyReceiptEnvelope(row.envelope, args.keys);
    const r = v.claimed;
    if (v.problems.length > 0 || !r || r.operation === 'promote') continue;
    if (typeof r.node === 'string') receipted.add(r.node);
    for (const o of r.outputs ?? []) produced.add(o.digest);
  }
  const audit = await verifyReceipts(args.paths, { slug, datasetVersionId: dvid });
  const storeProblems: string[] = [];
  const untraced: string[] = [];
  for (const a of args.artifacts) {
    const state = await args.store.check(a.digest);
    if (state !== 'ok') storeProblems.push(`data/${a.path} (${a.digest}) is ${state} in the content store`);
    // checksums.json is written by versioning, from the receipted outputs it lists.
    if (!a.path.endsWith('/checksums.json') && !produced.has(a.digest)) untraced.push(`data/${a.path}`);
  }
  return {
    nodes: args.nodes,
    receipted: args.nodes.filter((n) => receipted.has(n)),
    problems: audit.problems.map((p) => (p.seq !== null ? `seq ${p.seq}: ${p.problem}` : p.file !== undefined && !p.problem.startsWith(p.file) ? `${p.file}: ${p.problem}` : p.problem)),
    store_problems: storeProblems,
    untraced,
  };
}
