/** `kfm status` (a dataset's versions) and `kfm log` (the audit ledger), readable and as JSON. */
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, RIG_POLICY, useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const KFMFILE = (suffix: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('ks'), [task('a', { run: './t.ts', params: { suffix: '${suffix}' } }), task('b', { run: './t.ts', deps: ['a'], zone: 'work' })], { slice: '2019' }),
] });
`;

const TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext<{ suffix?: string }>): Promise<void> {
  await ctx.output('out.txt', ctx.id + (ctx.params.suffix ?? ''), 'text/plain');
}
`;

/** Built three times: new, retry, then a reprocess (a param edit). */
async function history(): Promise<{ rig: CliRig; v1: string; v2: string }> {
  const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK, 'kfm.policy.json': RIG_POLICY });
  const first = await rig.buildJson();
  expect((await rig.buildJson()).result.code).toBe(0);
  rig.write({ 'kfmfile.ts': KFMFILE('?') });
  const third = await rig.buildJson();
  return { rig, v1: first.report.versions[0]!.dataset_version_id, v2: third.report.versions[0]!.dataset_version_id };
}

describe('kfm status', () => {
  it("lists a dataset's versions with their mode, status (candidate until promoted), receipts and the latest", async () => {
    const { rig, v1, v2 } = await history();
    const r = await rig.run(['status', 'ks']);
    expect(r.code).toBe(0);
    const registry = JSON.parse(rig.read('registry/ks.json')) as { spec_hash: string };
    // A version's created_at is its first ledger entry's (the registry holds no wall-clock time).
    const log = JSON.parse((await rig.run(['log', '--json', 'ks'])).stdout) as { entries: { dataset_version_id: string; created_at: string }[] };
    const firstAt = (dvid: string) => log.entries.find((e) => e.dataset_version_id === dvid)!.created_at;
    const [t1, t2] = [firstAt(v1), firstAt(v2)];
    // Builds make candidates and publish nothing: no version is the latest yet.
    expect(r.stdout.split('\n')).toEqual([
      `ks: ks (public; spec ${registry.spec_hash.slice(0, 19)}; latest none (nothing promoted); 2 candidates)`,
      '    version        mode       status     receipts  created_at',
      // Each version's task receipts, its retry's one receipt and its catalog receipt (the retry's catalog is cached).
      `    ${v1}  new        candidate  4         ${t1}`,
      `    ${v2}  reprocess  candidate  3         ${t2}`,
      '',
    ]);

    // The first was built from a spec the kfmfile no longer gives: its promotion is denied (a
    // denied receipt counts among its receipts). Promoting the second makes it published and the
    // latest; the first stays a candidate.
    expect((await rig.run(['promote', `ks@${v1}`])).code).toBe(1);
    expect((await rig.run(['promote', `ks@${v2}`])).code).toBe(0);
    const lines = (await rig.run(['status', 'ks'])).stdout.split('\n');
    expect(lines).toEqual([
      `ks: ks (public; spec ${registry.spec_hash.slice(0, 19)}; latest ${v2}; 1 candidate)`,
      '    version        mode       status     receipts  created_at',
      `    ${v1}  new        candidate  5         ${t1}`,
      `  * ${v2}  reprocess  published  4         ${t2}`,
      '',
    ]);
    const json = JSON.parse((await rig.run(['status', '--json'])).stdout) as {
      kfm_status_version: string;
      datasets: { latest_version_id: string | null; versions: { dataset_version_id: string; receipts: number; latest: boolean; mode: string; status: string }[] }[];
    };
    expectValidReport('status', json);
    expect(json.kfm_status_version).toBe('v2');
    expect(json.datasets[0]!.latest_version_id).toBe(v2);
    expect(json.datasets[0]!.versions.map((v) => [v.dataset_version_id, v.mode, v.status, v.receipts, v.latest])).toEqual([
      [v1, 'new', 'candidate', 5, false],
      [v2, 'reprocess', 'published', 4, true],
    ]);
    const one = (await rig.run(['status', `ks@${v2}`])).stdout.split('\n');
    expect(one.slice(2)).toEqual([`  * ${v2}  reprocess  published  4         ${t2}`, '']);
    expect(await rig.run(['status', 'nope'])).toMatchObject({
      code: 2,
      stderr: 'kfm: dataset "nope" is not registered (no registry/nope.json): build a version of it, or run kfm check --update\n',
    });
  });
});

describe('kfm log', () => {
  it("lists the ledger's entries: seq, operation, mode, version, node and run", async () => {
    const { rig, v1, v2 } = await history();
    const r = await rig.run(['log']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seq  created_at {16}operation  mode {7}version +node  run_id$/);
    const rows = lines.slice(1).map((l) => l.split(/ +/));
    expect(rows.map(([seq, , op, mode, version, node]) => [seq, op, mode, version, node])).toEqual([
      ['1', 'transform', 'new', `ks@${v1}`, 'ks/a'],
      ['2', 'transform', 'new', `ks@${v1}`, 'ks/b'],
      ['3', 'catalog', 'new', `ks@${v1}`, '-'],
      ['4', 'retry', 'retry', `ks@${v1}`, '-'],
      ['5', 'transform', 'reprocess', `ks@${v2}`, 'ks/a'],
      ['6', 'transform', 'reprocess', `ks@${v2}`, 'ks/b'],
      ['7', 'catalog', 'reprocess', `ks@${v2}`, '-'],
    ]);
    for (const row of rows) expect(row[6]).toMatch(/^kfm:\/\/run\/\d{8}T\d{6}Z\.ks\.[0-9a-f]{8}$/);
    const json = JSON.parse((await rig.run(['log', '--json', `ks@${v2}`])).stdout) as { entries: { seq: number; mode: string }[] };
    expectValidReport('log', json);
    expect(json.entries.map((e) => [e.seq, e.mode])).toEqual([
      [5, 'reprocess'],
      [6, 'reprocess'],
      [7, 'reprocess'],
    ]);
    // An unknown target is a usage error (exit 2), as in kfm status, not an empty log.
    expect(await rig.run(['log', 'other'])).toEqual({
      code: 2,
      signal: null,
      stdout: '',
      stderr: 'kfm: dataset "other" is not registered (no registry/other.json): build a version of it, or run kfm check --update\n',
    });
    expect(await rig.run(['log', 'ks@bad'])).toMatchObject({ code: 2 });
  });
});
