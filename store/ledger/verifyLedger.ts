import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../core/canonicalJson.js';
import { isDigest, type Digest } from '../../core/digest.js';
import { SLUG_RE } from '../../core/spec.js';
import type { ContentStore, ObjectCheck } from '../contentStore.js';
import { parseRunId, receiptFileName, runIdOfReceiptFile, type RunReceipt } from '../receipts/runReceipt.js';
import type { TrustedKeys } from '../receipts/trustedKeys.js';
import { verifyReceiptEnvelope, type ReceiptProblem, type ReceiptVerification } from '../receipts/verifyReceiptEnvelope.js';
import { intactEntries } from './intactEntries.js';
import { precheckLedger, type LedgerPrecheck } from './precheckLedger.js';
import { LEDGER_KIND_APPROVAL, verifyApprovalEnvelope } from '../receipts/approvalRecord.js';
import { entryHash, GENESIS_HASH, LEDGER_KIND_RUN_RECEIPT, type LedgerEntry, type LedgerReader } from './ledger.js';

/** Why a ledger (or a receipt file beside it) does not verify. */
export type LedgerProblemReason =
  /** prev_hash is not the entry hash of the entry before. */
  | 'chain-broken'
  /** The row's fields do not hash to its entry_hash: it was altered. */
  | 'entry-hash-mismatch'
  /** Sequence numbers are missing: rows were deleted. */
  | 'sequence-gap'
  /** A row's hash commits to another seq than the one it has: rows were renumbered. */
  | 'sequence-out-of-order'
  /** Two rows hold the same entry. */
  | 'duplicate-entry'
  /** Two entries carry receipts with the same run_id (a replayed receipt). */
  | 'duplicate-run-id'
  /** An entry of a kind this kfm does not know. */
  | 'unknown-kind'
  /** An approval entry (kfm approve) whose signature, statement or record does not verify, or whose index columns differ from it. */
  | 'approval-invalid'
  /** The signed envelope or its receipt (see ReceiptProblem). */
  | ReceiptProblem['reason']
  /** An index column differs from the signed receipt. */
  | 'row-mismatch'
  /** A digest the receipt names is not in the content store. */
  | 'store-missing'
  /** A digest the receipt names is in the store with other bytes. */
  | 'store-corrupt'
  /** A receipt file is unreadable or does not verify on its own. */
  | 'receipt-file-invalid'
  /** A receipt file differs from the ledger's envelope for its run. */
  | 'receipt-file-differs'
  /** A receipt file's run is not in the ledger. */
  | 'receipt-file-unledgered'
  /** A receipt file lies under another dataset version than its receipt names. */
  | 'receipt-file-misplaced'
  /** A ledger receipt's file is missing, and its entry is not intact: it cannot be derived. */
  | 'receipt-file-missing'
  /**
   * A ledger receipt's file is missing, but its entry is in the ledger's intact prefix:
   * `kfm receipts verify --repair` (or the next build) writes it back from the ledger.
   */
  | 'receipt-file-repairable'
  /** Problems beyond the ledger, from the engine's checks (engine/receipts/auditProject.ts). */
  | AuditProblemReason;

/** Problems of the data tree, the registry, the trust file and external anchors. */
export type AuditProblemReason =
  /** A file under data/processed/ differs from its version's checksums.json or from the receipt naming it. */
  | 'data-file-mismatch'
  /** A file a version's checksums.json or receipt names is missing from data/. */
  | 'data-file-missing'
  /** A file under a version's data/processed/ directory that its checksums.json does not list. */
  | 'data-file-unlisted'
  /** A checksums.json that cannot be read or does not describe its version. */
  | 'checksums-invalid'
  /** A registry entry that the state or the ledger contradicts (a removed version, a rewritten mode or status, a fake latest_version_id). */
  | 'registry-mismatch'
  /** A registry anchor (a version's receipts_anchor) that the ledger does not hold: entries were truncated or rewritten. */
  | 'anchor-missing'
  /** The head named with --head is not in the ledger. */
  | 'head-missing'
  /** The ledger has entries but no kfm.trust.json pins any key. */
  | 'trust-file-missing';

export interface LedgerProblem {
  /** The ledger entry concerned (its seq as stored), or null for a file no entry matches. */
  seq: number | null;
  reason: LedgerProblemReason;
  /** What is wrong, for people: shown as `seq <n>: <problem>` or `<path>: <problem>`. */
  problem: string;
  /** A receipt file concerned, relative to the catalog directory (`<slug>/<dvid>/receipts/<name>`). */
  path?: string;
  /** Another file concerned (data tree, registry), relative to the project root. */
  file?: string;
}

export interface VerifyLedgerOptions {
  ledger: LedgerReader;
  /** Every digest a receipt names is re-hashed there (each once). */
  store: Pick<ContentStore, 'check'>;
  trustedKeys: TrustedKeys;
  /** `data/catalog`: its `<slug>/<dvid>/receipts/*.json` files are checked against the ledger. */
  catalogDir?: string;
  /**
   * Require a receipt file for every run receipt in the ledger. Default: only where the
   * version's `receipts/` directory exists.
   */
  requireReceiptFiles?: boolean;
  /** precheckLedger's result for these very rows (started early, to overlap other work); computed here when absent. */
  precheck?: LedgerPrecheck | undefined;
}

const DVID_RE = /^[0-9A-Za-z_-]+\.[0-9a-f]{8}(\.[0-9a-f]{8})?$/;

/**
 * Verifies the audit ledger: the hash chain (entry hashes, prev_hash links, sequence), each
 * entry's signed envelope and receipt (signature by a trusted key, in-toto statement,
 * receipt schema), the index columns against the receipt, every input, output and report
 * digest against the content store, and the receipt files under `catalogDir`. Returns every
 * problem found, by seq (file problems without a seq last); empty when all is well.
 */
export async function verifyLedger(options: VerifyLedgerOptions): Promise<LedgerProblem[]> {
  const rows = await options.ledger.entries();
  // Entry hashes and signatures, in batches on worker threads for a large ledger (precheckLedger).
  const pre = options.precheck ?? (await precheckLedger(rows, options.trustedKeys));
  const hashOf = (r: LedgerEntry): string => pre?.get(r)?.hash ?? entryHash(r);
  const problems: LedgerProblem[] = [...checkChain(rows, hashOf)];
  const claims = new Map<LedgerEntry, Partial<RunReceipt>>();
  const verifications = new Map<LedgerEntry, ReceiptVerification>();
  const byRunId = new Map<string, LedgerEntry>();
  const checked = new Map<Digest, ObjectCheck>();

  for (const row of rows) {
    const at = (reason: LedgerProblemReason, problem: string) => problems.push({ seq: row.seq, reason, problem });
    if (row.kind === LEDGER_KIND_APPROVAL) {
      for (const p of approvalProblems(row, options.trustedKeys)) at('approval-invalid', p);
      continue;
    }
    if (row.kind !== LEDGER_KIND_RUN_RECEIPT) {
      at('unknown-kind', `unknown entry kind ${JSON.stringify(row.kind)}`);
      continue;
    }
    const v = verifyReceiptEnvelope(row.envelope, options.trustedKeys, pre?.get(row)?.signature);
    verifications.set(row, v);
    for (const p of v.problems) at(p.reason, p.message);
    const claim = v.claimed;
    if (!claim) continue;
    claims.set(row, claim);

    for (const [column, field, value] of [
      ['dataset_slug', claim.dataset_slug, row.datasetSlug],
      ['dataset_version_id', claim.dataset_version_id, row.datasetVersionId],
      ['run_id', claim.run_id, row.runId],
    ] as const) {
      const signed = typeof field === 'string' ? field : null;
      if (signed !== value) {
        at('row-mismatch', `ledger column ${column} is ${JSON.stringify(value)}, but the signed receipt says ${JSON.stringify(signed)}`);
      }
    }

    if (typeof claim.run_id === 'string') {
      const first = byRunId.get(claim.run_id);
      if (first) at('duplicate-run-id', `run_id ${claim.run_id} was already recorded at seq ${first.seq} (a replayed receipt)`);
      else byRunId.set(claim.run_id, row);
    }

    for (const [pointer, digest, label] of namedDigests(claim)) {
      let state = checked.get(digest);
      if (state === undefined) checked.set(digest, (state = await options.store.check(digest)));
      if (state === 'missing') at('store-missing', `${pointer} ${digest}${label} is missing from the content store`);
      if (state === 'corrupt') at('store-corrupt', `${pointer} ${digest}${label}: the stored bytes do not match the digest (corrupt)`);
    }
  }

  if (options.catalogDir !== undefined) {
    problems.push(...checkReceiptFiles(options, rows, claims, verifications, byRunId, intactEntries(rows, hashOf)));
  }
  const order = (p: LedgerProblem) => p.seq ?? Number.POSITIVE_INFINITY;
  return problems.map((p, i) => [p, i] as const).sort((a, b) => order(a[0]) - order(b[0]) || a[1] - b[1]).map(([p]) => p);
}

/** A signed approval's problems, and index columns that differ from what it says. */
function approvalProblems(row: LedgerEntry, keys: TrustedKeys): string[] {
  const v = verifyApprovalEnvelope(row.envelope, keys);
  const problems = [...v.problems];
  const c = v.claimed;
  if (c && (c.dataset_slug !== row.datasetSlug || c.dataset_version_id !== row.datasetVersionId || row.runId !== null)) {
    problems.push(`ledger columns name ${String(row.datasetSlug)}@${String(row.datasetVersionId)}, but the signed approval is for ${String(c.dataset_slug)}@${String(c.dataset_version_id)}`);
  }
  return problems;
}

/** Entry hashes, sequence and prev_hash links. */
function checkChain(rows: LedgerEntry[], hashOf: (r: LedgerEntry) => string): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const byHash = new Map<string, LedgerEntry>();
  for (const r of rows) if (!byHash.has(r.entryHash)) byHash.set(r.entryHash, r);

  // How many links lead from a row back to the genesis value: the seq it was written as,
  // when the rows before it are intact. Iterative, memoised, cycle-safe.
  const depths = new Map<LedgerEntry, number | null>();
  const depthOf = (start: LedgerEntry): number | null => {
    const path: LedgerEntry[] = [];
    const seen = new Set<LedgerEntry>();
    let base: number | null;
    for (let cur: LedgerEntry = start; ; ) {
      const known = depths.get(cur);
      if (known !== undefined) {
        base = known;
        break;
      }
      if (seen.has(cur)) {
        base = null;
        break;
      }
      seen.add(cur);
      path.push(cur);
      if (cur.prevHash === GENESIS_HASH) {
        base = 0;
        break;
      }
      const prev = byHash.get(cur.prevHash);
      if (!prev) {
        base = null;
        break;
      }
      cur = prev;
    }
    path.forEach((r, i) => depths.set(r, base === null ? null : base + path.length - i));
    return depths.get(start) ?? null;
  };

  // Which seq each row's hash commits to.
  const position = new Map<LedgerEntry, number>();
  for (const r of rows) {
    const own = hashOf(r);
    if (own === r.entryHash) {
      position.set(r, r.seq);
      continue;
    }
    const d = depthOf(r);
    if (d !== null && d !== r.seq && entryHash({ ...r, seq: d }) === r.entryHash) {
      position.set(r, d);
      problems.push({
        seq: r.seq,
        reason: 'sequence-out-of-order',
        problem: `sequence out of order: the entry at seq ${r.seq} was written as seq ${d} (rows were renumbered)`,
      });
    } else {
      problems.push({
        seq: r.seq,
        reason: 'entry-hash-mismatch',
        problem: `entry hash mismatch: the row stores ${r.entryHash} but its fields hash to ${own}: the row was altered after it was written`,
      });
    }
  }

  const byPosition = new Map<number, LedgerEntry>();
  for (const r of rows) {
    const pos = position.get(r) ?? r.seq;
    const other = byPosition.get(pos);
    if (other) {
      problems.push({ seq: r.seq, reason: 'duplicate-entry', problem: `duplicate entry: the entry at seq ${r.seq} repeats the one at seq ${other.seq}` });
    } else if (pos < 1) {
      problems.push({ seq: r.seq, reason: 'sequence-out-of-order', problem: `sequence out of order: seq ${r.seq} is below 1` });
    } else {
      byPosition.set(pos, r);
    }
  }

  const positions = [...byPosition.keys()].sort((a, b) => a - b);
  let expect = 1;
  for (const pos of positions) {
    if (pos > expect) {
      problems.push({
        seq: expect,
        reason: 'sequence-gap',
        problem:
          pos - 1 === expect
            ? `sequence gap: entry ${expect} is missing (a deleted row)`
            : `sequence gap: entries ${expect} to ${pos - 1} are missing (deleted rows)`,
      });
    }
    expect = pos + 1;
    const r = byPosition.get(pos)!;
    const before = pos === 1 ? undefined : byPosition.get(pos - 1);
    if (pos !== 1 && !before) continue; // the gap explains it
    const expected = before ? before.entryHash : GENESIS_HASH;
    if (r.prevHash !== expected) {
      problems.push({
        seq: r.seq,
        reason: 'chain-broken',
        problem: `chain broken: prev_hash is ${r.prevHash}, expected ${expected} (${before ? `the entry hash of seq ${before.seq}` : 'the genesis value'})`,
      });
    }
  }
  return problems;
}

/** The digests a receipt names that must be in the content store: `[pointer, digest, label]`. */
function namedDigests(r: Partial<RunReceipt>): [string, Digest, string][] {
  const out: [string, Digest, string][] = [];
  const list = (name: 'inputs' | 'outputs', where: 'uri' | 'path') => {
    const items: unknown = r[name];
    if (!Array.isArray(items)) return;
    items.forEach((item: unknown, i) => {
      if (typeof item !== 'object' || item === null) return;
      const { digest, [where]: label } = item as Record<string, unknown>;
      if (isDigest(digest)) out.push([`/${name}/${i}/digest`, digest, typeof label === 'string' ? ` (${label})` : '']);
    });
  };
  list('inputs', 'uri');
  list('outputs', 'path');
  const report = r.validation?.report_digest;
  if (isDigest(report)) out.push(['/validation/report_digest', report, '']);
  return out;
}

/** `<catalogDir>/<slug>/<dvid>/receipts/*.json` against the ledger. */
function checkReceiptFiles(
  options: VerifyLedgerOptions,
  rows: LedgerEntry[],
  claims: Map<LedgerEntry, Partial<RunReceipt>>,
  verifications: Map<LedgerEntry, ReceiptVerification>,
  byRunId: Map<string, LedgerEntry>,
  intact: ReadonlySet<number>,
): LedgerProblem[] {
  const catalogDir = options.catalogDir!;
  const problems: LedgerProblem[] = [];
  const withFile = new Set<LedgerEntry>();
  for (const [slug, dvid, name] of receiptFiles(catalogDir)) {
    const path = `${slug}/${dvid}/receipts/${name}`;
    const add = (seq: number | null, reason: LedgerProblemReason, problem: string) => problems.push({ seq, reason, problem, path });
    const runId = runIdOfReceiptFile(name);
    if (runId === undefined) {
      add(null, 'receipt-file-invalid', 'receipt file name is not <run id>.json');
      continue;
    }
    const row = byRunId.get(runId);
    const seq = row ? row.seq : null;
    const text = readFileSync(join(catalogDir, path), 'utf8');
    // A file that holds the ledger envelope's bytes as written (`<envelope>\n`) verifies as
    // that envelope did: its verification is reused, not repeated. Any other text is verified on its own.
    const same = row !== undefined && text.length === row.envelope.length + 1 && text.endsWith('\n') && text.startsWith(row.envelope);
    const v = (same ? verifications.get(row) : undefined) ?? verifyReceiptEnvelope(text, options.trustedKeys);
    for (const p of v.problems) add(seq, 'receipt-file-invalid', `receipt file fails verification: ${p.message}`);
    if (!row) {
      add(null, 'receipt-file-unledgered', `receipt file names run ${runId}, which the ledger does not record`);
      continue;
    }
    withFile.add(row);
    if (!same && !sameEnvelope(text, row.envelope)) add(seq, 'receipt-file-differs', `receipt file differs from the ledger's envelope at seq ${row.seq}`);
    const claim = v.claimed ?? claims.get(row);
    if (claim && (claim.dataset_slug !== slug || claim.dataset_version_id !== dvid || claim.run_id !== runId)) {
      add(
        seq,
        'receipt-file-misplaced',
        `receipt file is under ${slug}/${dvid} as ${runId}, but its receipt is ${String(claim.run_id)} for ${String(claim.dataset_slug)}@${String(claim.dataset_version_id)}`,
      );
    }
  }

  for (const row of rows) {
    const claim = claims.get(row);
    if (withFile.has(row) || !claim || byRunId.get(claim.run_id ?? '') !== row) continue;
    const { dataset_slug: slug, dataset_version_id: dvid, run_id: runId } = claim;
    // Only names that are safe path segments (the claim may be unverified).
    if (typeof slug !== 'string' || !SLUG_RE.test(slug) || typeof dvid !== 'string' || !DVID_RE.test(dvid)) continue;
    if (typeof runId !== 'string' || !parseRunId(runId)) continue;
    const dir = join(catalogDir, slug, dvid, 'receipts');
    if (options.requireReceiptFiles || existsSync(dir)) {
      const repairable = intact.has(row.seq);
      problems.push({
        seq: row.seq,
        reason: repairable ? 'receipt-file-repairable' : 'receipt-file-missing',
        problem: repairable
          ? `receipt file ${slug}/${dvid}/receipts/${receiptFileName(runId)} is missing, but the ledger holds its signed envelope (intact): run kfm receipts verify --repair`
          : `receipt file ${slug}/${dvid}/receipts/${receiptFileName(runId)} is missing`,
        path: `${slug}/${dvid}/receipts/${receiptFileName(runId)}`,
      });
    }
  }
  return problems;
}

/** Whether a receipt file's text is the ledger's envelope in another serialisation (same canonical JSON). */
function sameEnvelope(text: string, envelope: string): boolean {
  try {
    return canonicalJson(JSON.parse(text)) === envelope;
  } catch {
    return false; // not JSON: reported by the verification
  }
}

/** `[slug, dvid, file name]` of every `*.json` under `<catalogDir>/<slug>/<dvid>/receipts/`, sorted. */
function receiptFiles(catalogDir: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  const dirs = (dir: string): string[] => {
    try {
      return readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, e.name)).isDirectory()))
        .map((e) => e.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  };
  for (const slug of dirs(catalogDir)) {
    if (!SLUG_RE.test(slug)) continue;
    for (const dvid of dirs(join(catalogDir, slug))) {
      const receipts = join(catalogDir, slug, dvid, 'receipts');
      if (!existsSync(receipts)) continue;
      for (const name of readdirSync(receipts).sort()) if (name.endsWith('.json')) out.push([slug, dvid, name]);
    }
  }
  return out;
}
