/**
 * The no-op fast path (engine/snapshot/snapshot.ts, engine/snapshot/noopBuild.ts): after a successful
 * unversioned build, a build where nothing changed is answered from the snapshot without
 * loading the kfmfile or recording a run; anything that could change a key sends the build
 * down the full path, which reruns exactly what changed.
 */
import Database from 'better-sqlite3';
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SHOUT_LIB, UPPER_TASK, useCliRigs, type BuildReport } from '../support/cliRig.js';

const newRig = useCliRigs();

const KFMFILE = `${KFMFILE_HEADER}import { suffix } from './suffix.ts';
export default defineKfm({ datasets: [
  dataset(spec('a'), [
    task('x', { run: './t.ts', inputs: ['src/x.txt'] }),
    task('y', { run: './t.ts', inputs: ['more/*.txt'], deps: ['x'], params: { suffix } }),
  ]),
] });
`;

const FILES = {
  'kfmfile.ts': KFMFILE,
  'suffix.ts': "export const suffix = '!';\n",
  't.ts': UPPER_TASK,
  'lib/shout.ts': SHOUT_LIB,
  'src/x.txt': 'x',
  'more/one.txt': 'one',
};

/** Files must be older than the racy margin (50 ms) for a snapshot to trust them. */
const settle = () => new Promise((r) => setTimeout(r, 120));

const runsRecorded = (dir: string): number => {
  const db = new Database(join(dir, '.kfm', 'state.db'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

const statuses = (r: BuildReport) => r.nodes.map((n) => [n.id, n.status, n.reason?.type ?? null]);

describe('the no-op snapshot', () => {
  it('answers an unchanged build without a run, and falls back on every kind of change', async () => {
    const rig = newRig(FILES);
    await settle();
    const first = await rig.buildJson();
    expect(first.result.code).toBe(0);
    expect(readdirSync(rig.path('.kfm', 'snapshots'))).toHaveLength(1);
    const runs = runsRecorded(rig.dir);

    // Nothing changed: every node cached with its key, and no run recorded (the fast path).
    const noop = await rig.buildJson();
    expect(noop.result.code).toBe(0);
    expect(statuses(noop.report)).toEqual([
      ['a/x', 'cached', null],
      ['a/y', 'cached', null],
    ]);
    expect(noop.report.nodes.map((n) => n.key)).toEqual(first.report.nodes.map((n) => n.key));
    expect(runsRecorded(rig.dir)).toBe(runs);
    const plain = await rig.run(['build']);
    expect(plain.stdout).toMatch(/^build \S+: 2 nodes, \d+ jobs?\nbuild succeeded: 0 executed, 2 cached, 0 failed, 0 skipped in \d+\.\d\ds\n$/);

    // Another environment (the kfmfile could read it): the full path, which finds nothing to do.
    const env = await rig.buildJson([], { env: { KFM_TEST_SNAPSHOT_ENV: '1' } });
    expect(statuses(env.report)).toEqual([
      ['a/x', 'cached', null],
      ['a/y', 'cached', null],
    ]);
    expect(runsRecorded(rig.dir)).toBe(runs + 1);

    // A store object gone: the node that made it reruns (same bytes: y stays cached).
    const x = first.report.nodes.find((n) => n.id === 'a/x')!;
    const db = new Database(join(rig.dir, '.kfm', 'state.db'), { readonly: true });
    const xOut = JSON.parse(db.prepare('SELECT outputs FROM results WHERE key = ?').pluck().get(x.key) as string) as { digest: string }[];
    db.close();
    const hex = xOut[0]!.digest.slice('sha256:'.length);
    unlinkSync(rig.path('.kfm', 'store', 'objects', hex.slice(0, 2), hex.slice(2)));
    const missing = await rig.buildJson();
    expect(statuses(missing.report)).toEqual([
      ['a/x', 'executed', 'output-missing'],
      ['a/y', 'cached', null],
    ]);

    // A new file matching a glob.
    await settle();
    await rig.buildJson();
    rig.write({ 'more/two.txt': 'two' });
    await settle();
    const globbed = await rig.buildJson();
    expect(statuses(globbed.report)).toEqual([
      ['a/x', 'cached', null],
      ['a/y', 'executed', 'input-changed'],
    ]);

    // A local module the kfmfile imports (a param changes).
    await settle();
    await rig.buildJson();
    rig.write({ 'suffix.ts': "export const suffix = '?';\n" });
    await settle();
    const param = await rig.buildJson();
    expect(statuses(param.report)).toEqual([
      ['a/x', 'cached', null],
      ['a/y', 'executed', 'param-changed'],
    ]);

    // A local module a task imports.
    await settle();
    await rig.buildJson();
    rig.write({ 'lib/shout.ts': 'export const shout = (s: string): string => s.toLowerCase();\n' });
    await settle();
    const code = await rig.buildJson();
    expect(statuses(code.report)).toEqual([
      ['a/x', 'executed', 'code-changed'],
      ['a/y', 'executed', 'code-changed'],
    ]);
  });

  it('never serves versioned targets from a snapshot', async () => {
    const versioned = KFMFILE.replace("  ]),\n] });", "  ], { slice: '2020' }),\n] });")
      // Both tasks write out.txt: x's goes to the work zone, so the version's paths differ.
      .replace("inputs: ['src/x.txt'] }", "inputs: ['src/x.txt'], zone: 'work' }");
    const rig = newRig({ ...FILES, 'kfmfile.ts': versioned });
    await settle();
    expect((await rig.buildJson()).result.code).toBe(0);
    expect(() => readdirSync(rig.path('.kfm', 'snapshots'))).toThrow();
    const runs = runsRecorded(rig.dir);
    const again = await rig.buildJson();
    expect(again.report.versions.map((v) => v.mode)).toEqual(['retry']);
    expect(runsRecorded(rig.dir)).toBe(runs + 1);
  });
});
