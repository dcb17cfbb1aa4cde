/**
 * Build, then publish: a build makes a `candidate` version and never moves the registry's
 * latest_version_id; `kfm promote <slug>@<dvid>` (a placeholder that runs no gates, and says
 * so) publishes it with a signed promote receipt. A v1 registry file is read upgraded.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const NOTICE = 'promote: no gates run (placeholder until fail-closed promotion lands)';

const KFMFILE = (suffix: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('ks'), [task('a', { run: './t.ts', params: { suffix: '${suffix}' } }), task('b', { run: './t.ts', deps: ['a'], zone: 'work' })], { slice: '2019' }),
] });
`;

const TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext<{ suffix?: string }>): Promise<void> {
  await ctx.output('out.txt', ctx.id + (ctx.params.suffix ?? ''), 'text/plain');
}
`;

interface Registry {
  kfm_registry_version: string;
  versions: { dataset_version_id: string; status: string; mode: string }[];
  latest_version_id: string | null;
}

interface PromoteReport {
  status: 'promoted' | 'unchanged';
  previous_status: string;
  previous_latest_version_id: string | null;
  latest_version_id: string;
  gates: { run: string[]; notice: string };
  receipt: { run_id: string; seq: number; path: string } | null;
}

const registryOf = (rig: CliRig): Registry => JSON.parse(rig.read('registry/ks.json')) as Registry;

/** The signed receipt (the statement's predicate and subjects) in a receipt file under the project. */
function receiptIn(rig: CliRig, path: string): { predicate: Record<string, unknown>; subject: { name: string }[] } {
  const envelope = JSON.parse(rig.read(path)) as { payload: string };
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: Record<string, unknown>; subject: { name: string }[] };
}

async function built(rig: CliRig): Promise<string> {
  const { result, report } = await rig.buildJson();
  expect(result.code).toBe(0);
  return report.versions[0]!.dataset_version_id;
}

describe('kfm promote', () => {
  it('publishes a candidate: the build leaves latest_version_id alone, promote moves it and signs a receipt', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK });
    const v1 = await built(rig);
    expect(registryOf(rig)).toMatchObject({ kfm_registry_version: 'v2', latest_version_id: null, versions: [{ dataset_version_id: v1, status: 'candidate' }] });
    const before = await rig.run(['status', 'ks']);
    expect(before.stdout).toContain('; latest none (nothing promoted); 1 candidate)\n');
    expect(before.stdout).toMatch(new RegExp(`\\n    ${v1.replace('.', '\\.')}  new   candidate  3 `));

    const r = await rig.run(['promote', `ks@${v1}`]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(NOTICE);
    expect(lines[1]).toBe(`promoted ks@${v1} (candidate → published): latest_version_id none → ${v1} in registry/ks.json`);
    expect(lines[2]).toMatch(new RegExp(`^receipt  ks@${v1.replace('.', '\\.')}: signed, ledger seq 4 \\(data/catalog/ks/${v1.replace('.', '\\.')}/receipts/\\d{8}T\\d{6}Z\\.ks\\.[0-9a-f]{8}\\.json\\)$`));
    expect(registryOf(rig)).toMatchObject({ latest_version_id: v1, versions: [{ dataset_version_id: v1, status: 'published' }] });
    expect((await rig.run(['status', 'ks'])).stdout).toMatch(new RegExp(`\\n  \\* ${v1.replace('.', '\\.')}  new   published  4 `));

    // The promote receipt: operation promote, the version's own mode, its processed files as subjects.
    const files = readdirSync(rig.path('data/catalog/ks', v1, 'receipts'));
    expect(files).toHaveLength(4);
    const log = JSON.parse((await rig.run(['log', '--json', 'ks'])).stdout) as { entries: { seq: number; operation: string; mode: string; node: string | null }[] };
    expect(log.entries.map((e) => [e.seq, e.operation, e.mode, e.node])).toEqual([
      [1, 'transform', 'new', 'ks/a'],
      [2, 'transform', 'new', 'ks/b'],
      [3, 'catalog', 'new', null],
      [4, 'promote', 'new', null],
    ]);
    const promoteFile = lines[2]!.slice(lines[2]!.indexOf('(') + 1, -1);
    const statement = receiptIn(rig, promoteFile);
    expect(statement.predicate).toMatchObject({
      operation: 'promote',
      mode: 'new',
      dataset_version_id: v1,
      inputs: [],
      validation: { status: 'not_applicable', reports: [] },
      environment: { parameters: { dataset_version_id: v1, previous_latest_version_id: null, gates: [] } },
      policy: { policy_label: 'public', decision_id: `kfm://policy_decision/promote-no-gates/ks@${v1}/public`, obligations: [] },
    });
    expect(statement.predicate.mode_reason).toBe(`promoted ${v1} to latest_version_id (was none); no gates run: a placeholder until fail-closed promotion lands`);
    expect(statement.subject.map((s) => s.name)).toEqual([`processed/ks/${v1}/out.txt`, `processed/ks/${v1}/checksums.json`]);
    expect(await rig.run(['receipts', 'verify'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^receipts verified: 4 ledger entries; /) });

    // Promoting the latest again is a no-op that says so: no receipt, no write.
    const registry = rig.read('registry/ks.json');
    const again = await rig.run(['promote', `ks@${v1}`]);
    expect(again).toEqual({ code: 0, signal: null, stdout: `${NOTICE}\nks@${v1} is already the latest version (registry/ks.json): nothing to do\n`, stderr: '' });
    expect(rig.read('registry/ks.json')).toBe(registry);
    expect(readdirSync(rig.path('data/catalog/ks', v1, 'receipts'))).toHaveLength(4);
  });

  it('leaves the pointer alone on a rebuild, and a reprocess stays a candidate until promoted', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK });
    const v1 = await built(rig);
    expect((await rig.run(['promote', `ks@${v1}`])).code).toBe(0);
    const registry = rig.read('registry/ks.json');

    // Rebuilding executes nothing (a retry of the published version) and changes no registry byte.
    const { result, report } = await rig.buildJson();
    expect(result.code).toBe(0);
    expect(report.counts).toEqual({ executed: 0, cached: 2, failed: 0, skipped: 0 });
    expect(report.versions[0]).toMatchObject({ dataset_version_id: v1, mode: 'retry', created: false });
    expect(rig.read('registry/ks.json')).toBe(registry);

    // A param edit: a reprocess, a new candidate; the published version stays the latest.
    rig.write({ 'kfmfile.ts': KFMFILE('?') });
    const v2 = await built(rig);
    expect(v2).not.toBe(v1);
    expect(registryOf(rig)).toMatchObject({
      latest_version_id: v1,
      versions: [
        { dataset_version_id: v1, status: 'published' },
        { dataset_version_id: v2, status: 'candidate', mode: 'reprocess' },
      ],
    });

    // Promoting it moves the pointer; the earlier one stays published, and can be pointed back at.
    const json = await rig.run(['promote', '--json', `ks@${v2}`]);
    expect(json.code).toBe(0);
    expect(json.stderr).toBe(`${NOTICE}\n`);
    const promoted = JSON.parse(json.stdout) as PromoteReport;
    expectValidReport('promote', promoted);
    expect(promoted).toMatchObject({ status: 'promoted', previous_status: 'candidate', previous_latest_version_id: v1, latest_version_id: v2, gates: { run: [] } });
    expect(promoted.receipt!.path).toMatch(new RegExp(`^data/catalog/ks/${v2.replace('.', '\\.')}/receipts/`));
    expect(registryOf(rig)).toMatchObject({ latest_version_id: v2, versions: [{ status: 'published' }, { status: 'published' }] });
    const back = JSON.parse((await rig.run(['promote', '--json', `ks@${v1}`])).stdout) as PromoteReport;
    expectValidReport('promote', back);
    expect(back).toMatchObject({ status: 'promoted', previous_status: 'published', previous_latest_version_id: v2, latest_version_id: v1 });
    const noop = JSON.parse((await rig.run(['promote', '--json', `ks@${v1}`])).stdout) as PromoteReport;
    expectValidReport('promote', noop);
    expect(noop).toMatchObject({ status: 'unchanged', receipt: null });
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
  });

  it('refuses an unknown dataset or version, a slice, and a version that cannot be promoted (exit 2, nothing written)', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK });
    const v1 = await built(rig);
    const registry = rig.read('registry/ks.json');
    expect(await rig.run(['promote', 'ks@2019.deadbeef'])).toEqual({
      code: 2,
      signal: null,
      stdout: `${NOTICE}\n`,
      stderr: `kfm: registry/ks.json lists no version 2019.deadbeef of ks (its versions: ${v1})\n`,
    });
    expect(await rig.run(['promote', `nope@${v1}`])).toMatchObject({
      code: 2,
      stderr: 'kfm: dataset "nope" is not registered (no registry/nope.json): build a version of it first\n',
    });
    expect(await rig.run(['promote', 'ks@2019'])).toMatchObject({
      code: 2,
      stderr: 'kfm: kfm promote needs <dataset>@<dataset_version_id> (e.g. ks_counties@2017.a50d8993), not "ks@2019"\n',
    });
    expect(await rig.run(['promote'])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: kfm promote <dataset>@<dataset_version_id>') });
    const json = await rig.run(['promote', '--json', 'ks@2019.deadbeef']);
    expect(json.code).toBe(2);
    expectValidReport('error', JSON.parse(json.stdout));

    // A quarantined version (a later issue's QA gate sets it) cannot be promoted.
    rig.write({ 'registry/ks.json': registry.replace('"status": "candidate"', '"status": "quarantined"') });
    expect(await rig.run(['promote', `ks@${v1}`])).toMatchObject({
      code: 2,
      stderr: `kfm: ks@${v1} is quarantined: only a candidate or a published version can be promoted\n`,
    });
    expect(JSON.parse(rig.read('registry/ks.json'))).toMatchObject({ latest_version_id: null });
    expect(readdirSync(rig.path('data/catalog/ks', v1, 'receipts'))).toHaveLength(3);
  });

  it('says it is a placeholder in --help', async () => {
    const rig = newRig({});
    const help = await rig.run(['--help']);
    expect(help.stdout).toContain('  promote <dataset>@<dvid>   publish a built version');
    expect(help.stdout).toContain('A placeholder: no gates run');
  });
});

describe('a v1 registry file', () => {
  it('is read upgraded (the latest published, the rest candidates) and written as v2 when it changes', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK });
    const v1 = await built(rig);
    rig.write({ 'kfmfile.ts': KFMFILE('?') });
    const v2 = await built(rig);
    // The file as kfm before candidates wrote it: v1, every version built, the last build latest.
    const v1File = rig
      .read('registry/ks.json')
      .replace('"kfm_registry_version": "v2"', '"kfm_registry_version": "v1"')
      .replaceAll('"status": "candidate"', '"status": "built"')
      .replace('"latest_version_id": null', `"latest_version_id": "${v2}"`);
    rig.write({ 'registry/ks.json': v1File });

    const status = JSON.parse((await rig.run(['status', '--json'])).stdout) as { datasets: { latest_version_id: string; versions: { status: string; latest: boolean }[] }[] };
    expectValidReport('status', status);
    expect(status.datasets[0]!.latest_version_id).toBe(v2);
    expect(status.datasets[0]!.versions.map((v) => [v.status, v.latest])).toEqual([
      ['candidate', false],
      ['published', true],
    ]);
    // A retry changes nothing: the file is not rewritten (still v1).
    expect((await rig.buildJson()).result.code).toBe(0);
    expect(rig.read('registry/ks.json')).toBe(v1File);
    // kfm check is clean with it; --update rewrites it as v2, statuses upgraded.
    expect(await rig.run(['check'])).toMatchObject({ code: 0, stdout: 'clean          ks\ncheck: 1 clean (1 dataset)\n' });
    const update = await rig.run(['check', '--update', '--json']);
    const report = JSON.parse(update.stdout) as { status: string; datasets: { upgraded_from?: string; updated: boolean }[] };
    expectValidReport('check', report);
    expect(report).toMatchObject({ status: 'clean', datasets: [{ upgraded_from: 'v1', updated: false }] });
    expect(registryOf(rig)).toMatchObject({
      kfm_registry_version: 'v2',
      latest_version_id: v2,
      versions: [
        { dataset_version_id: v1, status: 'candidate' },
        { dataset_version_id: v2, status: 'published' },
      ],
    });
    expect((await rig.run(['check', '--update'])).stdout).toBe('clean          ks\ncheck: 1 clean (1 dataset)\n');
    // Promotion works on the upgraded registry.
    expect((await rig.run(['promote', `ks@${v1}`])).code).toBe(0);
    expect(registryOf(rig).latest_version_id).toBe(v1);
  });

  it('is rewritten as v2 by the next build that changes it, and by check --update (plain output)', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK });
    const v1 = await built(rig);
    const v1File = rig
      .read('registry/ks.json')
      .replace('"kfm_registry_version": "v2"', '"kfm_registry_version": "v1"')
      .replace('"status": "candidate"', '"status": "built"')
      .replace('"latest_version_id": null', `"latest_version_id": "${v1}"`);
    rig.write({ 'registry/ks.json': v1File });
    expect((await rig.run(['check', '--update'])).stdout).toBe('clean          ks (registry/ks.json rewritten: v1 → v2)\ncheck: 1 clean (1 dataset); 1 registry file rewritten as v2\n');
    rig.write({ 'registry/ks.json': v1File, 'kfmfile.ts': KFMFILE('?') });
    const v2 = await built(rig);
    expect(registryOf(rig)).toMatchObject({
      kfm_registry_version: 'v2',
      latest_version_id: v1,
      versions: [
        { dataset_version_id: v1, status: 'published' },
        { dataset_version_id: v2, status: 'candidate' },
      ],
    });
  });
});
