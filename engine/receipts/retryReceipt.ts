import { canonicalDigest } from '../../core/canonicalJson.js';
import { TASK_OPERATIONS, type TaskOperation } from '../../core/spec.js';
import { LEDGER_KIND_RUN_RECEIPT, type LedgerEntry } from '../../store/ledger/ledger.js';
import { runId, type ReceiptInput, type RunReceipt } from '../../store/receipts/runReceipt.js';
import { claimedReceipt } from './ledgerReader.js';
import { receiptEnvironmentBlock } from './receiptEnvironment.js';
import type { ReceiptEnvironment } from './datasetReceipts.js';

/**
 * Whether the ledger already holds one build's complete set of task receipts for the
 * version (`entries`: the version's own): a group sharing a `created_at` that names every
 * one of `nodes` with its current key. Only then may a no-op build fold its receipts into
 * one `retry` receipt: the first build's per-node receipts stand for the runs (what a
 * catalog cites, stages/catalog/firstBuildReceipts.ts). A build killed while appending
 * them leaves no complete group, and the next build signs per-node receipts again.
 */
export function hasCompleteTaskReceipts(entries: readonly LedgerEntry[], nodes: ReadonlyMap<string, string>): boolean {
  const groups = new Map<string, Map<string, string>>();
  for (const e of entries) {
    if (e.kind !== LEDGER_KIND_RUN_RECEIPT) continue;
    const r = claimedReceipt(e);
    if (!r || typeof r.created_at !== 'string' || typeof r.node !== 'string' || typeof r.node_key !== 'string') continue;
    if (!(TASK_OPERATIONS as readonly string[]).includes(r.operation ?? '')) continue;
    const group = groups.get(r.created_at) ?? new Map<string, string>();
    group.set(r.node, r.node_key);
    groups.set(r.created_at, group);
  }
  return [...groups.values()].some((g) => [...nodes].every(([node, key]) => g.get(node) === key));
}

/**
 * The one receipt a no-op build signs for a version whose every node was cached (the
 * runbook's "receipt update strategy": a new run receipt per build and version, not per
 * node): operation and mode `retry`, `cached_nodes` naming each node with its key and
 * operation, the declared raw inputs, every output with its path (its subjects), the QA
 * node's validation, no parameters, the build's time as its timestamps. `perNode`: the
 * receipts datasetReceipts assembled for the nodes, in declaration order.
 */
export function retryReceipt(perNode: readonly RunReceipt[], a: { buildRunId: string; now: Date; environment: ReceiptEnvironment }): RunReceipt {
  const first = perNode[0]!;
  const produced = new Set(perNode.flatMap((r) => r.outputs.map((o) => `data/${o.path}`)));
  const inputs = new Map<string, ReceiptInput>();
  for (const r of perNode) for (const i of r.inputs) if (!produced.has(i.uri)) inputs.set(`${i.uri}\n${i.digest}`, i);
  const qa = perNode.find((r) => r.operation === 'qa' && r.validation.status !== 'not_applicable');
  const at = a.now.toISOString();
  const from = [...new Set(perNode.map((r) => /did not run again: its result from build (\S+) stands/.exec(r.mode_reason)?.[1]).filter(Boolean))];
  const reason = first.mode_reason.replace(/; \S+ did not run again: .*$/, '');
  return {
    kfm_run_receipt_version: 'v1',
    run_id: runId(a.now, first.dataset_slug, canonicalDigest([a.buildRunId, 'retry', first.dataset_slug, first.dataset_version_id])),
    operation: 'retry',
    mode: 'retry',
    mode_reason: `${reason}; no node ran again: the results of ${perNode.length} node${perNode.length === 1 ? '' : 's'} stand${from.length > 0 ? ` (from build ${from.join(', ')})` : ''}`,
    actor: first.actor,
    dataset_slug: first.dataset_slug,
    dataset_version_id: first.dataset_version_id,
    spec_hash: first.spec_hash,
    inputs: [...inputs.values()],
    outputs: perNode.flatMap((r) => r.outputs),
    environment: receiptEnvironmentBlock(a.environment, {}),
    validation: qa ? qa.validation : { status: 'not_applicable', reports: [] },
    policy: first.policy,
    timestamps: { started_at: at, ended_at: at },
    created_at: at,
    cached_nodes: perNode.map((r) => ({ node: r.node!, node_key: r.node_key!, operation: r.operation as TaskOperation })),
  };
}
