/**
 * The data/ tree: read-only copies of store objects (a reflink where the file system has
 * one; hard links or symlinks with `dataTree.link`), a checksums.json per version, a stable
 * dataset version id for the same inputs and a backfill id for new input bytes; an edited
 * data file or a corrupt store object is found and restored by the next build.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync, writeFileSync, type Stats } from 'node:fs';
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

/** A version as a later build of the same spec and inputs reports it: the same, as a retry, with one new receipt (the no-op's `retry` receipt: README "Receipts and the audit ledger"). */
function retry(v: BuildReport['versions'][number], reason = 'same spec and raw inputs'): unknown {
  // The catalog stage is cached on a retry: no receipt, the same key and catalog files.
  const stages = v.stages.map((s) => ({ ...s, status: 'cached', reason: 'its key is unchanged', receipt: null, problems: null, paths: s.paths.filter((p) => !p.includes('/receipts/')) }));
  return { ...v, created: false, mode: 'retry', mode_reason: reason, receipts: [expect.any(String)], stages };
}

function storeObjectPath(rig: CliRig, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return rig.path('.kfm/store/objects', hex.slice(0, 2), hex.slice(2));
}

describe('the data/ tree', () => {
  it('copies read-only store objects, lists processed outputs in checksums.json, and names versions stably', async () => {
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
      // The catalog (no STAC Item: the data has no features), one signed run receipt per
      // node (fetch, clean, final) and the catalog's receipt.
      `catalog/ks/${dvid}/dcat.jsonld`,
      `catalog/ks/${dvid}/prov/bundle.jsonld`,
      receiptFile,
      receiptFile,
      receiptFile,
      receiptFile,
      `catalog/ks/${dvid}/stac/collection.json`,
      `processed/ks/${dvid}/checksums.json`,
      `processed/ks/${dvid}/rows.csv`,
      `processed/ks/${dvid}/summary.json`,
      expect.stringMatching(/^raw\/ks\/[0-9a-f]{16}\/manifest\.json$/),
      expect.stringMatching(/^raw\/ks\/[0-9a-f]{16}\/rows\.csv$/),
      `work/ks/${dvid}/clean/rows.json`,
    ]);
    for (const [path, st] of files) {
      expect(st.isFile(), `${path} is a regular file (a copy, not a symlink)`).toBe(true);
      expect(st.mode & 0o222, `${path} is read-only`).toBe(0);
      expect(st.nlink, `${path} is its own file, not a link to the store`).toBe(1);
      const bytes = readFileSync(rig.path('data', path));
      const object = lstatSync(storeObjectPath(rig, sha256(bytes)));
      expect(object.ino, `${path} is not the store object's inode`).not.toBe(st.ino);
      // The copy's mtime is derived from the object's (one second before): what lets the data tree check skip re-hashing it.
      expect(st.size, `${path} has the store object's size`).toBe(object.size);
      expect(Math.abs(st.mtimeMs - (object.mtimeMs - 1000)), `${path} has its mtime from the store object's`).toBeLessThan(1);
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

    // Same inputs: the same version, the same files, and one more receipt (the retry's; its catalog is cached).
    const second = await rig.buildJson();
    expect(second.report.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    expect(second.report.versions).toEqual([retry(v1)]);
    const filesAgain = dataFiles(rig);
    const notReceipts = paths.filter((p) => !p.startsWith('catalog/'));
    const catalog = [`catalog/ks/${dvid}/dcat.jsonld`, `catalog/ks/${dvid}/prov/bundle.jsonld`, ...Array<unknown>(5).fill(receiptFile), `catalog/ks/${dvid}/stac/collection.json`];
    expect([...filesAgain.keys()].sort()).toEqual([...catalog, ...notReceipts]);
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

  it.each([
    ['hardlink', (st: Stats, object: Stats) => expect([st.isFile(), st.ino, st.dev]).toEqual([true, object.ino, object.dev])],
    ['symlink', (st: Stats) => expect(st.isSymbolicLink()).toBe(true)],
    ['copy', (st: Stats, object: Stats) => expect([st.isFile(), st.nlink, st.ino === object.ino]).toEqual([true, 1, false])],
  ] as const)('dataTree.link %s: each data file is the store object that way, with its bytes', async (link, expectLink) => {
    const kfmfile = KFMFILE.replace('export default defineKfm({ datasets: [', `export default defineKfm({ dataTree: { link: '${link}' }, datasets: [`);
    const rig = newRig({ 'kfmfile.ts': kfmfile, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const first = await rig.buildJson();
    expect(first.result).toMatchObject({ code: 0, stderr: '' });
    const files = dataFiles(rig);
    // 9 files of the build and its 3 task receipts, 4 of the catalog (DCAT, STAC Collection, PROV, receipt).
    expect(files.size).toBe(13);
    for (const [path, st] of files) {
      const bytes = readFileSync(rig.path('data', path));
      expectLink(st, lstatSync(storeObjectPath(rig, sha256(bytes))));
    }
    // Again: every file is present as it was, nothing restored.
    const again = await rig.buildJson();
    expect(again.result.code).toBe(0);
    expect(again.report.integrity).toEqual([]);
  });

  it('rejects an unknown dataTree.link at its kfmfile', async () => {
    const kfmfile = KFMFILE.replace('export default defineKfm({ datasets: [', "export default defineKfm({ dataTree: { link: 'reflink' as 'copy' }, datasets: [");
    const rig = newRig({ 'kfmfile.ts': kfmfile, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const r = await rig.run(['build']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dataTree.link "reflink" is not one of "copy", "hardlink", "symlink"');
  });

  it('an edited data file never reaches the store: the next build restores it and keeps the edit aside', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const first = await rig.buildJson();
    const dvid = first.report.versions[0]!.dataset_version_id;
    const rel = `processed/ks/${dvid}/rows.csv`;
    const good = rig.read(`data/${rel}`);
    const edited = good.replace('Allen', 'Allan');
    chmodSync(rig.path('data', rel), 0o644);
    writeFileSync(rig.path('data', rel), edited);
    // The store object is untouched.
    expect(readFileSync(storeObjectPath(rig, sha256(good)), 'utf8')).toBe(good);

    const second = await rig.buildJson();
    expect(second.result.code).toBe(0);
    expectValidReport('build', second.report);
    expect(second.report.counts).toEqual({ executed: 0, cached: 3, failed: 0, skipped: 0 });
    const keptAt = rig.path('.kfm/data-edits', `${rel}.${sha256(edited).slice(7, 23)}`);
    expect(second.report.integrity).toEqual([{ type: 'data-file-restored', path: rel, digest: sha256(good), edited: sha256(edited), kept_at: keptAt }]);
    expect(rig.read(`data/${rel}`)).toBe(good);
    expect(readFileSync(keptAt, 'utf8')).toBe(edited);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
    // Restored: the build after finds nothing.
    expect((await rig.buildJson()).report.integrity).toEqual([]);
  });

  it('a file holding another version\'s bytes is still an error, never rewritten', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const first = await rig.buildJson();
    const dvid = first.report.versions[0]!.dataset_version_id;
    const rel = `processed/ks/${dvid}/rows.csv`;
    // Bytes kfm stored (another output's): not an edit of this file.
    const other = rig.read(`data/processed/ks/${dvid}/summary.json`);
    chmodSync(rig.path('data', rel), 0o644);
    writeFileSync(rig.path('data', rel), other);
    const second = await rig.buildJson();
    expect(second.result.code).toBe(1);
    expect(second.report.errors).toEqual([expect.stringContaining(`data/${rel} already holds other bytes than`)]);
    expect(rig.read(`data/${rel}`)).toBe(other);
  });

  it('a corrupt store object (one byte flipped, same size) is quarantined and its producer reruns', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const first = await rig.buildJson();
    const dvid = first.report.versions[0]!.dataset_version_id;
    const good = rig.read(`data/processed/ks/${dvid}/rows.csv`);
    const digest = sha256(good);
    const object = storeObjectPath(rig, digest);
    const bad = Buffer.from(good);
    bad[0] = bad[0]! ^ 0x01;
    chmodSync(object, 0o644);
    writeFileSync(object, bad);
    chmodSync(object, 0o444);

    const second = await rig.buildJson();
    expect(second.result.code, second.result.stderr).toBe(0);
    expectValidReport('build', second.report);
    expect(second.report.integrity).toEqual([{ type: 'object-corrupt', digest, node: 'ks/final', output: 'rows.csv', found: 'corrupt' }]);
    expect(second.report.nodes.map((n) => [n.id, n.status])).toEqual([['ks/clean', 'cached'], ['ks/fetch', 'cached'], ['ks/final', 'executed']]);
    expect(second.report.nodes.find((n) => n.id === 'ks/final')!.reason).toEqual({ type: 'output-missing', output: 'rows.csv', digest });
    expect(second.report.versions[0]).toMatchObject({ dataset_version_id: dvid, mode: 'retry' });
    expect(readFileSync(object, 'utf8')).toBe(good);
    expect(readFileSync(rig.path('.kfm/store/corrupt', digest.slice(7)))).toEqual(bad);
    expect(rig.read(`data/processed/ks/${dvid}/rows.csv`)).toBe(good);
    const checksums = JSON.parse(rig.read(`data/processed/ks/${dvid}/checksums.json`)) as { files: { path: string; digest: string }[] };
    expect(checksums.files.find((f) => f.path === 'rows.csv')!.digest).toBe(digest);
    const verify = await rig.run(['receipts', 'verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('with hard links an edit reaches the store object: the next build quarantines it, reruns the producer and restores the file', async () => {
    const kfmfile = KFMFILE.replace('export default defineKfm({ datasets: [', "export default defineKfm({ dataTree: { link: 'hardlink' }, datasets: [");
    const rig = newRig({ 'kfmfile.ts': kfmfile, 'clean.ts': CLEAN_TASK, 'final.ts': FINAL_TASK, 'src/rows.csv': ROWS });
    const first = await rig.buildJson();
    const dvid = first.report.versions[0]!.dataset_version_id;
    const rel = `processed/ks/${dvid}/rows.csv`;
    const good = rig.read(`data/${rel}`);
    const digest = sha256(good);
    chmodSync(rig.path('data', rel), 0o644);
    writeFileSync(rig.path('data', rel), good.replace('Allen', 'Allan'));
    const second = await rig.buildJson();
    expect(second.result.code, second.result.stderr).toBe(0);
    expect(second.report.integrity).toEqual([
      { type: 'object-corrupt', digest, node: 'ks/final', output: 'rows.csv', found: 'corrupt' },
      expect.objectContaining({ type: 'data-file-restored', path: rel, digest }),
    ]);
    expect(rig.read(`data/${rel}`)).toBe(good);
    expect(readFileSync(storeObjectPath(rig, digest), 'utf8')).toBe(good);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
  });
});
