/**
 * The project the audit-trail e2e tests (receiptsVerify, auditTrail) build and tamper
 * with: two versioned datasets (an ingest and a transform; a task with a declared input),
 * and the ledger's row shape as they read it.
 */
import Database from 'better-sqlite3';
import { KFMFILE_HEADER, RIG_POLICY, type CliRig } from '../support/cliRig.js';

export const AUDIT_KFMFILE =
  KFMFILE_HEADER.replace("import { defineKfm, dataset, task } from 'kfm';", "import { defineKfm, dataset, task, ingest } from 'kfm';") +
  `export default defineKfm({ datasets: [
  dataset(spec('ks'), [
    ingest('fetch', { source: 'file:src/rows.csv' }),
    task('clean', { run: './clean.ts', deps: ['fetch'] }),
  ], { slice: '2019' }),
  dataset(spec('side'), [task('s', { run: './clean.ts', inputs: ['src/side.csv'] })], { slice: '2020' }),
] });
`;

const CLEAN_TASK = `import type { TaskContext } from 'kfm';
export default async function clean(ctx: TaskContext): Promise<void> {
  const text = ctx.inputs.length > 0 ? (await ctx.inputs[0]!.read()).toString('utf8') : await ctx.dep('fetch')['rows.csv']!.text();
  await ctx.output('rows.txt', text.trim().toUpperCase(), 'text/plain');
}
`;

/** A row of `.kfm/ledger.db` `entries`. */
export interface LedgerRow {
  seq: number;
  prev_hash: string;
  entry_hash: string;
  kind: string;
  envelope: string;
  created_at: string;
  dataset_slug: string;
  dataset_version_id: string;
  run_id: string;
}

/** The ledger's entries, read straight from `.kfm/ledger.db` (no kfm code in between), by seq. */
export function ledgerRows(rig: CliRig): LedgerRow[] {
  const db = new Database(rig.path('.kfm/ledger.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM entries ORDER BY seq').all() as LedgerRow[];
  } finally {
    db.close();
  }
}

/** The project's files. */
export const AUDIT_FILES = { 'kfmfile.ts': AUDIT_KFMFILE, 'kfm.policy.json': RIG_POLICY, 'clean.ts': CLEAN_TASK, 'src/rows.csv': 'id\n1\n', 'src/side.csv': 'side\n' };
