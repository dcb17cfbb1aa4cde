/**
 * `kfm fsck` through the real CLI: clean after a build; a corrupt object, a missing
 * output and an edited or deleted data file each found, named with its remedy, and
 * repaired by `--repair` where it can be.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const UPPER = `import type { TaskContext } from 'kfm';
export default async function upper(ctx: TaskContext): Promise<void> {
  const text = await ctx.dep('fetch')['rows.csv']!.text();
  await ctx.output('rows.csv', text.toUpperCase(), 'text/csv');
}
`;

const KFMFILE = KFMFILE_HEADER.replace("import { defineKfm, dataset, task } from 'kfm';", "import { defineKfm, dataset, task, ingest } from 'kfm';") +
  `export default defineKfm({ datasets: [
  dataset(spec('ks'), [
    ingest('fetch', { source: 'file:src/rows.csv', terms: { license: 'CC0-1.0' } }),
    task('upper', { run: './upper.ts', deps: ['fetch'] }),
  ], { slice: '2019' }),
] });
`;

const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

interface FsckReport {
  status: string;
  repair: boolean;
  checked: { objects: number; outputs: number; data_files: number };
  problems: { kind: string; subject: string; node: string | null; message: string; repaired: boolean; remedy: string | null }[];
}

async function fsckJson(rig: CliRig, ...args: string[]): Promise<{ code: number | null; report: FsckReport }> {
  const r = await rig.run(['fsck', '--json', ...args]);
  const report = JSON.parse(r.stdout) as FsckReport;
  expectValidReport('fsck', report);
  return { code: r.code, report };
}

function objectPath(rig: CliRig, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return rig.path('.kfm/store/objects', hex.slice(0, 2), hex.slice(2));
}

async function built(): Promise<{ rig: CliRig; dvid: string }> {
  const rig = newRig({ 'kfmfile.ts': KFMFILE, 'upper.ts': UPPER, 'src/rows.csv': 'id,name\n1,allen\n' });
  const b = await rig.buildJson();
  expect(b.result.code).toBe(0);
  return { rig, dvid: b.report.versions[0]!.dataset_version_id };
}

describe('kfm fsck', () => {
  it('is clean after a build, and says what it checked', async () => {
    const { rig } = await built();
    const { code, report } = await fsckJson(rig);
    expect(code).toBe(0);
    expect(report.status).toBe('clean');
    expect(report.problems).toEqual([]);
    // checksums.json lists rows.csv; the raw folder holds rows.csv and manifest.json.
    expect(report.checked.data_files).toBe(3);
    expect(report.checked.outputs).toBe(3);
    const plain = await rig.run(['fsck']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^fsck clean: \d+ store objects, 3 node outputs, 3 data files\n$/);
  });

  it('finds a corrupt object; --repair quarantines it and names the node to rebuild; the rebuild makes it clean', async () => {
    const { rig, dvid } = await built();
    const good = rig.read(`data/processed/ks/${dvid}/rows.csv`);
    const digest = sha256(good);
    const object = objectPath(rig, digest);
    chmodSync(object, 0o644);
    writeFileSync(object, good.replace('ALLEN', 'ALLEM'));
    const found = await fsckJson(rig);
    expect(found.code).toBe(1);
    expect(found.report.problems).toEqual([
      { kind: 'object-corrupt', subject: digest, node: 'ks/upper', message: `store object ${digest} is corrupt: its bytes no longer hash to its digest`, repaired: false, remedy: 'kfm fsck --repair' },
    ]);
    const repaired = await fsckJson(rig, '--repair');
    expect(repaired.code).toBe(1);
    expect(repaired.report.problems.map((p) => [p.kind, p.repaired, p.remedy])).toEqual([
      ['object-corrupt', true, null],
      ['output-missing', false, 'rebuild ks/upper (kfm build ks)'],
    ]);
    expect(existsSync(rig.path('.kfm/store/corrupt', digest.slice(7)))).toBe(true);
    expect(existsSync(object)).toBe(false);
    expect((await rig.buildJson()).result.code).toBe(0);
    expect((await fsckJson(rig)).report.status).toBe('clean');
  });

  it('finds edited and deleted data files; --repair restores them from the store (exit 0) and keeps the edit', async () => {
    const { rig, dvid } = await built();
    const rel = `processed/ks/${dvid}/rows.csv`;
    const good = rig.read(`data/${rel}`);
    chmodSync(rig.path('data', rel), 0o644);
    writeFileSync(rig.path('data', rel), 'edited\n');
    const found = await fsckJson(rig);
    expect(found.code).toBe(1);
    expect(found.report.problems).toEqual([
      expect.objectContaining({ kind: 'data-file-edited', subject: rel, node: 'ks/upper', repaired: false, remedy: 'kfm fsck --repair' }),
    ]);
    const listed = (await rig.run(['fsck'])).stdout;
    expect(listed).toContain(`problem  data/${rel} holds other bytes (${sha256('edited\n')}): it should hold ${sha256(good)}: kfm fsck --repair\n`);
    expect(listed).toMatch(/fsck found 1 problem in /);
    // A deleted raw file too.
    const rawPath = readdirSync(rig.path('data/raw/ks'))[0]!;
    unlinkSync(rig.path('data/raw/ks', rawPath, 'rows.csv'));

    const repaired = await fsckJson(rig, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.report.status).toBe('repaired');
    expect(repaired.report.problems.map((p) => [p.kind, p.subject, p.repaired])).toEqual([
      ['data-file-edited', rel, true],
      ['data-file-missing', `raw/ks/${rawPath}/rows.csv`, true],
    ]);
    expect(rig.read(`data/${rel}`)).toBe(good);
    expect(rig.read(`data/raw/ks/${rawPath}/rows.csv`)).toBe('id,name\n1,allen\n');
    expect(readFileSync(rig.path('.kfm/data-edits', `${rel}.${sha256('edited\n').slice(7, 23)}`), 'utf8')).toBe('edited\n');
    expect((await fsckJson(rig)).report.status).toBe('clean');
  });

  it('takes no targets, and --repair belongs to fsck alone (exit 2)', async () => {
    const { rig } = await built();
    const a = await rig.run(['fsck', 'ks']);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('kfm: kfm fsck takes no targets (usage: kfm fsck [--repair] [--json])\n');
    const b = await rig.run(['build', '--repair']);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe('kfm: --repair applies to kfm receipts verify and kfm fsck (not build)\n');
  });
});
