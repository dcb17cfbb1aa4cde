/**
 * The data/ tree: read-only hard links to store objects, a checksums.json per version, a
 * stable dataset version id for the same inputs and a backfill id for new input bytes.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs, type BuildReport, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const CLEAN_TASK = `import type { TaskContext } from 'kfm';
export default async function clean(ctx: TaskContext): Promise<void> {
  const csv = await ctx.dep('fetch')['rows.csv']!.text();
  const rows = csv.trim().split('\\n').slice(1).map((line) => line.split(',').map((cell) => cell.trim()));
  await ctx.output('rows.json', JSON.stringify(rows), 'application/json');
}
`;

const FINAL_TASK = `import type { TaskContext } from 'kfm';
export default async function final(ctx: TaskContext): Promise<void> {
  const rows = await ctx.dep('clean')['rows.json']!.json<string[][]>();
  await ctx.output('rows.csv', ['id,name', ...rows.map((r) => r.join(','))].join('\\n') + '\\n', 'text/csv');
  await ctx.output('summary.json', JSON.stringify({ rows: rows.length }), 'application/json');
}
`;

const KFMFILE = KFMFILE_HEADER.replace("import { defineKfm, dataset, task } from 'kfm';", "import { defineKfm, dataset, task, ingest } from 'kfm';") +
  `export default defineKfm({ datasets: [
  dataset(spec('ks'), [
    ingest('fetch', { source: 'file:src/rows.csv', terms: { license: 'CC0-1.0' } }),
    task('clean', { run: './clean.ts', deps: ['fetch'], zone: 'work' }),
    task('final', { run: './final.ts', deps: ['clean'] }),
  ], { slice: '2019' }),
] });
`;

const ROWS = 'id,name\n1, Allen\n2,Anderson\n';
const ROWS_BACKFILL = 'id,name\n1,Allen\n2,Anderson\n3,Atchison\n';

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Every file under data/: path → its lstat. */
function dataFiles(rig: CliRig): Map<string, Stats> {
  const root = rig.path('data');
  const out = new Map<string, Stats>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(root, p), lstatSync(p));
    }
  };
  walk(root);
  return out;
}

/** A version as a later build of the same spec and inputs reports it: the same, as a retry, with new receipts. */
function retry(v: BuildReport['versions'][number], reason = 'same spec and raw inputs'): unknown {
  return { ...v, created: false, mode: 'retry', mode_reason: reason, receipts: [expect.any(String), expect.any(String), expect.any(String)] };
}

function storeObjectPath(rig: CliRig, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return rig.path('.kfm/store/objects', hex.slice(0, 2), hex.slice(2));
}

describe('the data/ tree', () => {
  it('links read-only store objects, lists processed outputs in checksums.json, and names versions stably', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const first = await rig.buildJson();
    expect(first.result).toMatchObject({ code: 0, stderr: '' });
    expectValidReport('build', first.report);
    const v1 = first.report.versions[0]!;
    const spec8 = v1.spec_hash.slice(7, 15);
    expect(v1).toMatchObject({ dataset_slug: 'ks', slice: '2019', dataset_version_id: `2019.${spec8}`, created: true, mode: 'new' });
    const dvid = v1.dataset_version_id;
    const receiptFile = expect.stringMatching(new RegExp(`^catalog/ks/${dvid.replace('.', '\\.')}/receipts/\\d{8}T\\d{6}Z\\.ks\\.[0-9a-f]{8}\\.json$`));

    const files = dataFiles(rig);
    const paths = [...files.keys()].sort();
    expect(paths).toEqual([
      // One signed run receipt per node (fetch, clean, final).
      receiptFile,
      receiptFile,
      receiptFile,
      `processed/ks/${dvid}/checksums.json`,
      `processed/ks/${dvid}/rows.csv`,
      `processed/ks/${dvid}/summary.json`,
      expect.stringMatching(/^raw\/ks\/[0-9a-f]{16}\/manifest\.json$/),
      expect.stringMatching(/^raw\/ks\/[0-9a-f]{16}\/rows\.csv$/),
      `work/ks/${dvid}/clean/rows.json`,
    ]);
    for (const [path, st] of files) {
      expect(st.isFile(), `${path} is a regular file (a hard link, not a symlink)`).toBe(true);
      expect(st.mode & 0o222, `${path} is read-only`).toBe(0);
      expect(st.nlink, `${path} shares its inode with the store`).toBeGreaterThanOrEqual(2);
      const bytes = readFileSync(rig.path('data', path));
      const object = lstatSync(storeObjectPath(rig, sha256(bytes)));
      expect([object.ino, object.dev], `${path} is the store object of its digest`).toEqual([st.ino, st.dev]);
    }
    const rawCsv = paths.find((p) => p.startsWith('raw/') && p.endsWith('/rows.csv'))!;
    expect(rig.read(`data/${rawCsv}`)).toBe(ROWS);

    const rowsCsv = 'id,name\n1,Allen\n2,Anderson\n';
    expect(rig.read(`data/processed/ks/${dvid}/rows.csv`)).toBe(rowsCsv);
    const checksums = JSON.parse(rig.read(`data/processed/ks/${dvid}/checksums.json`)) as unknown;
    expect(checksums).toEqual({
      kfm_checksums_version: 'v1',
      dataset_slug: 'ks',
      dataset_version_id: dvid,
      spec_hash: v1.spec_hash,
      files: [
        { path: 'rows.csv', digest: sha256(rowsCsv), size: rowsCsv.length, media_type: 'text/csv' },
        { path: 'summary.json', digest: sha256('{"rows":2}'), size: 10, media_type: 'application/json' },
      ],
    });

    // Same inputs: the same version, the same files, and three more receipts (of the retry).
    const second = await rig.buildJson();
    expect(second.report.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    expect(second.report.versions).toEqual([retry(v1)]);
    const filesAgain = dataFiles(rig);
    const notReceipts = paths.filter((p) => !p.startsWith('catalog/'));
    expect([...filesAgain.keys()].sort()).toEqual([...Array<unknown>(6).fill(receiptFile), ...notReceipts]);
    for (const [path, st] of files) expect(filesAgain.get(path)?.ino, path).toBe(st.ino);

    // New input bytes for the same slice and spec: a backfill version; the old one is untouched.
    rig.write({ 'src/rows.csv': ROWS_BACKFILL });
    const backfill = await rig.buildJson();
    expect(backfill.result.code).toBe(0);
    expectValidReport('build', backfill.report);
    const v2 = backfill.report.versions[0]!;
    expect(v2.spec_hash).toBe(v1.spec_hash);
    expect(v2.inputs_digest).not.toBe(v1.inputs_digest);
    expect(v2.dataset_version_id).toMatch(/^2019\.[0-9a-f]{8}\.[0-9a-f]{8}$/);
    expect(v2).toMatchObject({ dataset_version_id: `${dvid}.${v2.inputs_digest.slice(7, 15)}`, created: true, mode: 'backfill' });
    expect(v2.mode_reason).toMatch(new RegExp(`^raw inputs changed since ${dvid.replace('.', '\\.')} \\(same spec\\): .*file:src/rows\\.csv sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}`));
    expect(rig.read(`data/processed/ks/${v2.dataset_version_id}/rows.csv`)).toBe(ROWS_BACKFILL);
    const afterBackfill = dataFiles(rig);
    for (const [path, st] of files) {
      const now = afterBackfill.get(path);
      expect(now, `${path} still exists`).toBeDefined();
      expect([now!.ino, now!.size, now!.mtimeMs], path).toEqual([st.ino, st.size, st.mtimeMs]);
    }
    expect(rig.read(`data/processed/ks/${dvid}/rows.csv`)).toBe(rowsCsv);

    // The backfill again: the same backfill version. The original bytes again: the original version.
    expect((await rig.buildJson()).report.versions).toEqual([retry(v2)]);
    rig.write({ 'src/rows.csv': ROWS });
    const back = await rig.buildJson();
    expect(back.report.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    expect(back.report.versions).toEqual([
      retry(v1, `same spec and raw inputs as ${dvid} (the slice's latest is ${v2.dataset_version_id})`),
    ]);
  });
});
