/**
 * The cone build (engine/snapshot/planCone.ts, engine/snapshot/coneIndex.ts): after a
 * successful unversioned build, a build where only input files changed takes the graph from
 * the cone index (the kfmfile is not imported) and schedules only the changed files'
 * downstream cone; every other change (the kfmfile, a module it imports, a task's code, a
 * new file matching a glob, a deleted input) goes down the full path, which imports the
 * kfmfile. The kfmfile here counts its imports in loads.log.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SHOUT_LIB, UPPER_TASK, useCliRigs, type BuildReport } from '../support/cliRig.js';

const newRig = useCliRigs();

const KFMFILE = `${KFMFILE_HEADER}import { appendFileSync } from 'node:fs';
import { suffix } from './suffix.ts';
appendFileSync(new URL('./loads.log', import.meta.url), 'l');
export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('x', { run: './t.ts', inputs: ['src/x.txt'] }),
    task('y', { run: './t.ts', inputs: ['more/*.txt'], deps: ['x'], params: { suffix } }),
    task('z', { run: './t.ts', inputs: ['src/z.txt'] }),
    task('w', { run: './t.ts', deps: ['z', 'x'] }),
  ]),
] });
`;

const FILES = {
  'kfmfile.ts': KFMFILE,
  'suffix.ts': "export const suffix = '!';\n",
  't.ts': UPPER_TASK,
  'lib/shout.ts': SHOUT_LIB,
  'src/x.txt': 'x',
  'src/z.txt': 'z',
  'more/one.txt': 'one',
};

/** Files must be older than the racy margin (50 ms) for a snapshot to trust them. */
const settle = () => new Promise((r) => setTimeout(r, 120));

const statuses = (r: BuildReport) => r.nodes.map((n) => [n.id, n.status, n.reason?.type ?? null]);

describe('the cone build', () => {
  it('rebuilds an input change without importing the kfmfile, and falls back on every other change', async () => {
    const rig = newRig(FILES);
    const loads = () => readFileSync(rig.path('loads.log'), 'utf8').length;
    await settle();
    expect((await rig.buildJson()).result.code).toBe(0);
    expect(readdirSync(rig.path('.kfm', 'snapshots'))).toEqual(readdirSync(rig.path('.kfm', 'cones')));
    expect(loads()).toBe(1);
    // The index as stored follows its schema.
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'cone-index.schema.json'), 'utf8')) as object;
    const indexFile = readdirSync(rig.path('.kfm', 'cones'))[0]!;
    const validate = new Ajv2020({ strict: true }).compile(schema);
    expect(validate(JSON.parse(readFileSync(rig.path('.kfm', 'cones', indexFile), 'utf8'))), JSON.stringify(validate.errors)).toBe(true);

    // One input changed: its cone (z, w) reruns, x and y are cached; no import of the kfmfile.
    rig.write({ 'src/z.txt': 'zz' });
    await settle();
    const cone = await rig.buildJson();
    expect(cone.result.code).toBe(0);
    expect(statuses(cone.report)).toEqual([
      ['a/w', 'executed', 'upstream-changed'],
      ['a/x', 'cached', null],
      ['a/y', 'cached', null],
      ['a/z', 'executed', 'input-changed'],
    ]);
    expect(loads()).toBe(1);
    // The snapshot now holds the cone's new keys: a no-op (still no import).
    const noop = await rig.buildJson();
    expect(statuses(noop.report).map((s) => s[1])).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(noop.report.nodes.map((n) => n.key)).toEqual(cone.report.nodes.map((n) => n.key));
    expect(loads()).toBe(1);
    // And the full path agrees on every key.
    rmSync(rig.path('.kfm', 'snapshots'), { recursive: true });
    const full = await rig.buildJson();
    expect(loads()).toBe(2);
    expect(full.report.nodes.map((n) => n.key)).toEqual(cone.report.nodes.map((n) => n.key));
    expect(statuses(full.report).map((s) => s[1])).toEqual(['cached', 'cached', 'cached', 'cached']);

    // A change whose output comes out the same: the dependents stay cached (content semantics).
    rig.write({ 'src/x.txt': 'x' });
    await settle();
    await rig.buildJson();
    rig.write({ 'src/x.txt': 'X' });
    await settle();
    const same = await rig.buildJson();
    expect(loads()).toBe(2);
    expect(statuses(same.report)).toEqual([
      ['a/w', 'cached', null],
      ['a/x', 'executed', 'input-changed'],
      ['a/y', 'cached', null],
      ['a/z', 'cached', null],
    ]);

    // The kfmfile itself: the full path.
    rig.write({ 'kfmfile.ts': KFMFILE.replace("'z', 'x'", "'x', 'z'"), 'src/z.txt': 'z3' });
    await settle();
    const edited = await rig.buildJson();
    expect(loads()).toBe(3);
    expect(statuses(edited.report).filter((s) => s[1] === 'executed').map((s) => s[0])).toEqual(['a/w', 'a/z']);

    // A module the kfmfile imports (a param changes), with an input change beside it.
    rig.write({ 'suffix.ts': "export const suffix = '?';\n", 'src/z.txt': 'z4' });
    await settle();
    const param = await rig.buildJson();
    expect(loads()).toBe(4);
    expect(statuses(param.report)).toEqual([
      ['a/w', 'executed', 'upstream-changed'],
      ['a/x', 'cached', null],
      ['a/y', 'executed', 'param-changed'],
      ['a/z', 'executed', 'input-changed'],
    ]);

    // A module a task imports, with an input change beside it.
    rig.write({ 'lib/shout.ts': 'export const shout = (s: string): string => s.toLowerCase();\n', 'src/z.txt': 'z5' });
    await settle();
    const code = await rig.buildJson();
    expect(loads()).toBe(5);
    expect(statuses(code.report).map((s) => s[1])).toEqual(['executed', 'executed', 'executed', 'executed']);

    // A new file matching a glob, with an input change beside it.
    rig.write({ 'more/two.txt': 'two', 'src/z.txt': 'z6' });
    await settle();
    const globbed = await rig.buildJson();
    expect(loads()).toBe(6);
    expect(statuses(globbed.report)).toEqual([
      ['a/w', 'executed', 'upstream-changed'],
      ['a/x', 'cached', null],
      ['a/y', 'executed', 'input-changed'],
      ['a/z', 'executed', 'input-changed'],
    ]);

    // A deleted input: the full path, which names the missing file (exit 2).
    rmSync(rig.path('src', 'z.txt'));
    const deleted = await rig.run(['build']);
    expect(deleted.code).toBe(2);
    expect(deleted.stderr).toContain('src/z.txt');
    // (Imported again to locate the error: at least one import more.)
    expect(loads()).toBeGreaterThan(6);
  });
});
