/**
 * Build, then publish, fail closed: a build makes a `candidate` version and never moves the
 * registry's latest_version_id; `kfm promote <slug>@<dvid>` runs gates A–G and prints them
 * as a table; only when every gate answers PASS does it write the promotion manifest, sign
 * a promote receipt and move the pointer. Any other answer exits 1 with a signed
 * denied-promotion receipt and moves nothing; --dry-run writes nothing. A v1 registry file
 * is read upgraded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, REPO_ROOT, RIG_POLICY, useCliRigs, type CliRig } from '../support/cliRig.js';
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

interface Registry {
  kfm_registry_version: string;
  versions: { dataset_version_id: string; status: string; mode: string }[];
  latest_version_id: string | null;
}

interface PromoteReport {
  status: 'promoted' | 'denied' | 'checked' | 'unchanged';
  previous_status: string;
  previous_latest_version_id: string | null;
  latest_version_id: string | null;
  overall: string | null;
  gates: { gate: string; answer: string; reasons: string[] }[];
  decision_id: string | null;
  manifest: { path: string; digest: string } | null;
  receipt: { run_id: string; seq: number; path: string } | null;
}

const registryOf = (rig: CliRig): Registry => JSON.parse(rig.read('registry/ks.json')) as Registry;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The signed receipt (the statement's predicate and subjects) in a receipt file under the project. */
function receiptIn(rig: CliRig, path: string): { predicate: Record<string, unknown> & { environment: { parameters: Record<string, unknown> } }; subject: { name: string }[] } {
  const envelope = JSON.parse(rig.read(path)) as { payload: string };
  return JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as ReturnType<typeof receiptIn>;
}

async function built(rig: CliRig): Promise<string> {
  const { result, report } = await rig.buildJson();
  expect(result.code, result.stderr).toBe(0);
  return report.versions[0]!.dataset_version_id;
}

async function promoteJson(rig: CliRig, ...args: string[]): Promise<{ code: number | null; report: PromoteReport }> {
  const r = await rig.run(['promote', '--json', ...args]);
  const report = JSON.parse(r.stdout) as PromoteReport;
  expectValidReport('promote', report);
  return { code: r.code, report };
}

const ledgerSize = async (rig: CliRig) => (JSON.parse((await rig.run(['log', '--json'])).stdout) as { entries: unknown[] }).entries.length;

/** schemas/promotion-manifest.schema.json, compiled as kfm's schemas are tested (strict). */
function manifestProblems(doc: unknown): unknown[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', 'promotion-manifest.schema.json'), 'utf8')) as object);
  return validate(doc) ? [] : (validate.errors ?? []);
}

describe('kfm promote', () => {
  it('denies without a policy (exit 1, a signed denied receipt, nothing moved), then publishes when every gate passes', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK });
    const v1 = await built(rig);
    expect(registryOf(rig)).toMatchObject({ kfm_registry_version: 'v2', latest_version_id: null, versions: [{ dataset_version_id: v1, status: 'candidate' }] });

    // No kfm.policy.json: B and C have nothing to decide against; fail closed.
    const denied = await rig.run(['promote', `ks@${v1}`]);
    expect(denied).toMatchObject({ code: 1, stderr: '' });
    const lines = denied.stdout.split('\n');
    expect(lines[0]).toBe(`gates for ks@${v1} (candidate):`);
    expect(lines[1]).toMatch(/^  gate  name +answer +reason$/);
    expect(lines.filter((l) => /^  [A-G] /.test(l)).map((l) => l.slice(2).split(/ {2,}/).slice(0, 3))).toEqual([
      ['A', 'identity', 'PASS'],
      ['B', 'licence and rights', 'ABSTAIN'],
      ['C', 'sensitivity', 'ABSTAIN'],
      ['D', 'catalog triplet', 'PASS'],
      ['E', 'receipts and checksums', 'PASS'],
      ['F', 'QA thresholds', 'ABSTAIN'],
      ['G', 'spec-hash drift', 'PASS'],
    ]);
    expect(denied.stdout).toContain('no kfm.policy.json at the project root: no licence allow-list to decide against\n');
    expect(denied.stdout).toContain(`denied ks@${v1} (B ABSTAIN, C ABSTAIN, F ABSTAIN): latest_version_id stays none in registry/ks.json\n`);
    const deniedLine = lines.find((l) => l.startsWith('receipt  '))!;
    expect(deniedLine).toMatch(new RegExp(`^receipt  ks@${esc(v1)}: denied-promotion receipt signed, ledger seq \\d+ \\(data/catalog/ks/${esc(v1)}/receipts/\\d{8}T\\d{6}Z\\.ks\\.[0-9a-f]{8}\\.json\\)$`));
    expect(registryOf(rig)).toMatchObject({ latest_version_id: null, versions: [{ status: 'candidate' }] });
    const deniedReceipt = receiptIn(rig, deniedLine.slice(deniedLine.indexOf('(') + 1, -1));
    expect(deniedReceipt.subject).toEqual([]);
    expect(deniedReceipt.predicate).toMatchObject({
      operation: 'promote',
      outputs: [],
      validation: { status: 'fail', reports: [{ name: 'gate_A', status: 'pass', value: 'PASS' }, { name: 'gate_B', status: 'fail', value: 'ABSTAIN' }, {}, {}, {}, {}, {}] },
      environment: { parameters: { decision: 'denied', overall: 'ABSTAIN', previous_latest_version_id: null, policy_digest: null, override: null } },
      policy: { policy_label: 'public', decision_id: expect.stringMatching(/^kfm:\/\/policy_decision\/\d{8}T\d{6}Z\.ks\.[0-9a-f]{8}$/) },
    });
    expect(await rig.run(['receipts', 'verify'])).toMatchObject({ code: 0 });

    // With the policy: a dry run passes and writes nothing.
    rig.write({ 'kfm.policy.json': RIG_POLICY });
    const entries = await ledgerSize(rig);
    const registry = rig.read('registry/ks.json');
    const dry = await rig.run(['promote', '--dry-run', `ks@${v1}`]);
    expect(dry).toMatchObject({ code: 0, stderr: '' });
    expect(dry.stdout).toContain(`dry run: every gate passes; kfm promote ks@${v1} would publish it (nothing written)\n`);
    expect(await ledgerSize(rig)).toBe(entries);
    expect(rig.read('registry/ks.json')).toBe(registry);

    const r = await rig.run(['promote', `ks@${v1}`]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.split('\n').filter((l) => /^  [A-G] /.test(l)).map((l) => l.slice(2).split(/ {2,}/)[2])).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
    expect(r.stdout).toContain(`promoted ks@${v1} (candidate → published): latest_version_id none → ${v1} in registry/ks.json\n`);
    expect(r.stdout).toContain(`manifest data/catalog/ks/${v1}/promotion_manifest.json (sha256:`);
    expect(registryOf(rig)).toMatchObject({ latest_version_id: v1, versions: [{ dataset_version_id: v1, status: 'published' }] });

    // The manifest: CONTRACTS fields, valid, signed as an output of the promote receipt.
    const manifest = JSON.parse(rig.read(`data/catalog/ks/${v1}/promotion_manifest.json`)) as Record<string, unknown> & { catalogs: unknown[]; policy: { decision_id: string } };
    expect(manifestProblems(manifest)).toEqual([]);
    expect(Object.keys(manifest).sort()).toEqual(['approvals', 'artifacts', 'catalogs', 'dataset_slug', 'dataset_version_id', 'kfm_promotion_manifest_version', 'policy', 'qa', 'released_at', 'spec_hash'].sort());
    expect(manifest).toMatchObject({
      kfm_promotion_manifest_version: 'v1',
      dataset_slug: 'ks',
      dataset_version_id: v1,
      artifacts: [
        { path: `processed/ks/${v1}/out.txt`, media_type: 'text/plain' },
        { path: `processed/ks/${v1}/checksums.json`, media_type: 'application/json' },
      ],
      qa: { status: 'not_applicable', report_digest: null },
      policy: { policy_label: 'public' },
      approvals: [],
    });
    expect(manifest.catalogs.length).toBeGreaterThanOrEqual(3);
    const receiptLine = r.stdout.split('\n').find((l) => l.startsWith('receipt  '))!;
    const statement = receiptIn(rig, receiptLine.slice(receiptLine.indexOf('(') + 1, -1));
    expect(statement.subject.map((x) => x.name)).toEqual([`processed/ks/${v1}/out.txt`, `processed/ks/${v1}/checksums.json`, `catalog/ks/${v1}/promotion_manifest.json`]);
    expect(statement.predicate).toMatchObject({
      operation: 'promote',
      mode: 'new',
      validation: { status: 'pass' },
      environment: { parameters: { decision: 'promoted', overall: 'PASS', previous_latest_version_id: null, approvals: [], override: null } },
      policy: { policy_label: 'public', decision_id: manifest.policy.decision_id },
    });
    expect(statement.predicate.mode_reason).toBe(`promoted ${v1} to latest_version_id (was none): gates A–G all PASS`);
    const log = JSON.parse((await rig.run(['log', '--json', 'ks'])).stdout) as { entries: { seq: number; operation: string; mode: string; node: string | null }[] };
    expect(log.entries.map((e) => [e.seq, e.operation, e.mode, e.node])).toEqual([
      [1, 'transform', 'new', 'ks/a'],
      [2, 'transform', 'new', 'ks/b'],
      [3, 'catalog', 'new', null],
      [4, 'promote', 'new', null],
      [5, 'promote', 'new', null],
    ]);
    expect(await rig.run(['receipts', 'verify'])).toMatchObject({ code: 0 });
    const validate = await rig.run(['validate', `ks@${v1}`]);
    expect(validate, validate.stdout).toMatchObject({ code: 0, stdout: expect.stringContaining('all 7 checks PASS\n') });

    // Promoting the latest again is a no-op that says so: no gate, no receipt, no write.
    const files = readdirSync(rig.path('data/catalog/ks', v1, 'receipts')).length;
    const again = await rig.run(['promote', `ks@${v1}`]);
    expect(again).toEqual({ code: 0, signal: null, stdout: `ks@${v1} is already the latest version (registry/ks.json): nothing to do\n`, stderr: '' });
    expect(readdirSync(rig.path('data/catalog/ks', v1, 'receipts'))).toHaveLength(files);
  });

  it('leaves the pointer alone on a rebuild; a reprocess stays a candidate until promoted; an older spec is denied (A, G)', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK, 'kfm.policy.json': RIG_POLICY });
    const v1 = await built(rig);
    expect((await rig.run(['promote', `ks@${v1}`])).code).toBe(0);
    const registry = rig.read('registry/ks.json');

    // Rebuilding executes nothing (a retry of the published version) and changes no registry byte.
    const { result, report } = await rig.buildJson();
    expect(result.code).toBe(0);
    expect(report.counts.executed).toBe(0);
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

    const promoted = await promoteJson(rig, `ks@${v2}`);
    expect(promoted).toMatchObject({ code: 0, report: { status: 'promoted', overall: 'PASS', previous_status: 'candidate', previous_latest_version_id: v1, latest_version_id: v2 } });
    expect(promoted.report.gates.map((g) => g.answer)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
    expect(promoted.report.manifest!.path).toBe(`data/catalog/ks/${v2}/promotion_manifest.json`);
    expect(registryOf(rig)).toMatchObject({ latest_version_id: v2, versions: [{ status: 'published' }, { status: 'published' }] });

    // v1 was built from a spec the kfmfile no longer gives: identity and drift deny it.
    const back = await promoteJson(rig, `ks@${v1}`);
    expect(back).toMatchObject({ code: 1, report: { status: 'denied', overall: 'DENY', previous_status: 'published', latest_version_id: v2, manifest: null } });
    expect(back.report.gates.filter((g) => g.answer !== 'PASS').map((g) => g.gate)).toEqual(['A', 'G']);
    expect(registryOf(rig).latest_version_id).toBe(v2);
    const noop = await promoteJson(rig, `ks@${v2}`);
    expect(noop).toMatchObject({ code: 0, report: { status: 'unchanged', overall: null, gates: [], receipt: null } });
    const dry = await promoteJson(rig, '--dry-run', `ks@${v1}`);
    expect(dry).toMatchObject({ code: 1, report: { status: 'checked', overall: 'DENY', receipt: null, decision_id: null } });
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
  });

  it('refuses an unknown dataset or version, a slice, a superseded version and a bad override (exit 2, nothing written)', async () => {
    const rig = newRig({ 'kfmfile.ts': KFMFILE('!'), 't.ts': TASK, 'kfm.policy.json': RIG_POLICY });
    const v1 = await built(rig);
    const registry = rig.read('registry/ks.json');
    const entries = await ledgerSize(rig);
    expect(await rig.run(['promote', 'ks@2019.deadbeef'])).toEqual({
      code: 2,
      signal: null,
      stdout: '',
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

    // An override needs a rationale and the policy's override role.
    expect(await rig.run(['promote', '--override', `ks@${v1}`])).toMatchObject({ code: 2, stderr: expect.stringContaining('kfm: kfm promote --override needs --rationale') });
    expect(await rig.run(['promote', '--override', '--rationale', 'fine', `ks@${v1}`])).toMatchObject({
      code: 2,
      stderr: 'kfm: kfm promote --override needs --role steward (kfm.policy.json qa.override_role); got --role operator\n',
    });
    expect(await rig.run(['promote', '--override', '--rationale', '  ', '--role', 'steward', `ks@${v1}`])).toMatchObject({ code: 2, stderr: expect.stringContaining('needs --rationale') });
    expect(await rig.run(['promote', '--rationale', 'why', `ks@${v1}`])).toMatchObject({ code: 2, stderr: 'kfm: --rationale applies to kfm promote --override\n' });
    expect(await rig.run(['build', '--dry-run'])).toMatchObject({ code: 2, stderr: 'kfm: --dry-run applies to kfm promote, gc and clean (not build)\n' });

    // A superseded version (a rollback withdrew it) cannot be promoted again.
    rig.write({ 'registry/ks.json': registry.replace('"status": "candidate"', '"status": "superseded"') });
    expect(await rig.run(['promote', `ks@${v1}`])).toMatchObject({ code: 2, stderr: `kfm: ks@${v1} is superseded (a rollback withdrew it): it cannot be promoted again\n` });
    rig.write({ 'registry/ks.json': registry });
    expect(await ledgerSize(rig)).toBe(entries);
    expect(rig.read('registry/ks.json')).toBe(registry);
  });

  it('documents the gates in --help', async () => {
    const rig = newRig({});
    const help = await rig.run(['--help']);
    expect(help.stdout).toContain('  promote <dataset>@<dvid>   publish a built version, fail closed: gates A-G');
    expect(help.stdout).toContain('  approve <dataset>@<dvid> --role <role>');
    expect(help.stdout).toContain('  validate <dataset>@<dvid>  the post-run checklist');
    expect(help.stdout).not.toContain('placeholder');
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
    // Promotion reads the upgraded registry: the latest is unchanged; v1's spec is not the current one (A, G deny), and the
    // hand-made v1 file says v2 is published, which no promote receipt in the ledger says (E denies).
    rig.write({ 'kfm.policy.json': RIG_POLICY });
    expect(await rig.run(['promote', `ks@${v2}`])).toMatchObject({ code: 0, stdout: `ks@${v2} is already the latest version (registry/ks.json): nothing to do\n` });
    expect(await rig.run(['promote', `ks@${v1}`])).toMatchObject({ code: 1, stdout: expect.stringContaining(`denied ks@${v1} (A DENY, E DENY, G DENY)`) });
    expect(registryOf(rig).latest_version_id).toBe(v2);
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
