/**
 * Fail-closed promotion on fixture projects, through the real CLI: an unclear licence
 * (gate B denies: exit 1, a denied receipt, the pointer unchanged); a
 * restricted_sensitive_location dataset whose points go through generalize() to a grid
 * (gate C passes only with the generalization applied and a steward's signed approval, and
 * denies a plan PROV does not record or published points that are not generalized); and a
 * tampered catalog (a changed digest, a broken link: D or E fails, exit 1, with the reason);
 * and a QA failure gate F denies (the spec's threshold is not what its QA ran), which only a
 * steward's --override with a rationale promotes, recorded in the receipt and the manifest.
 */
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, REPO_ROOT, RIG_POLICY, useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

interface PromoteReport {
  status: string;
  overall: string | null;
  latest_version_id: string | null;
  gates: { gate: string; answer: string; reasons: string[] }[];
  receipt: { path: string } | null;
  manifest: { path: string } | null;
}

async function built(rig: CliRig): Promise<Map<string, string>> {
  const { result, report } = await rig.buildJson();
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return new Map(report.versions.map((v) => [v.dataset_slug, v.dataset_version_id]));
}

async function promote(rig: CliRig, target: string, ...args: string[]): Promise<{ code: number | null; report: PromoteReport; stderr: string }> {
  const r = await rig.run(['promote', '--json', target, ...args]);
  const report = JSON.parse(r.stdout) as PromoteReport;
  expectValidReport('promote', report);
  return { code: r.code, report, stderr: r.stderr };
}

const notPassing = (r: PromoteReport) => r.gates.filter((g) => g.answer !== 'PASS').map((g) => [g.gate, g.answer]);
const latest = (rig: CliRig, slug: string) => (JSON.parse(rig.read(`registry/${slug}.json`)) as { latest_version_id: string | null }).latest_version_id;

describe('gate B: an unclear licence', () => {
  it('is denied (exit 1) with a signed denied receipt; the pointer does not move; the table names the reason', async () => {
    const kfmfile = `${KFMFILE_HEADER}const murky = { ...spec('murky'), upstream: { ...spec('murky').upstream, terms_snapshot: { license: 'see the website' } } };
export default defineKfm({ datasets: [dataset(murky, [task('a', { run: './t.ts' })], { slice: '2020' })] });
`;
    const rig = newRig({ 'kfmfile.ts': kfmfile, 't.ts': "export default async function t(ctx: any) { await ctx.output('a.txt', 'a', 'text/plain'); }\n", 'kfm.policy.json': RIG_POLICY });
    const dvid = (await built(rig)).get('murky')!;
    const plain = await rig.run(['promote', `murky@${dvid}`]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/\n {2}B {5}licence and rights {6}DENY {4}licence "see the website" is not on the allow-list of kfm\.policy\.json \(CC0-1\.0, public-domain, CC-BY-4\.0\): rights unclear\n/);
    expect(plain.stdout).toContain(`denied murky@${dvid} (B DENY): latest_version_id stays none in registry/murky.json\n`);
    const { code, report } = await promote(rig, `murky@${dvid}`);
    expect(code).toBe(1);
    expect(report).toMatchObject({ status: 'denied', overall: 'DENY', latest_version_id: null, manifest: null });
    expect(notPassing(report)).toEqual([['B', 'DENY']]);
    const envelope = JSON.parse(rig.read(report.receipt!.path)) as { payload: string };
    const receipt = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { validation: { status: string }; outputs: unknown[] } }).predicate;
    expect(receipt).toMatchObject({ validation: { status: 'fail' }, outputs: [] });
    expect(latest(rig, 'murky')).toBeNull();
    expect((JSON.parse((await rig.run(['status', '--json', 'murky'])).stdout) as { datasets: { versions: { status: string }[] }[] }).datasets[0]!.versions[0]!.status).toBe('candidate');
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
    const validate = await rig.run(['validate', `murky@${dvid}`]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toMatch(/\n {2}policy +FAIL +gate B DENY: licence "see the website" is not on the allow-list/);
  });
});

/** Sensitive points, and the kfmfile of three restricted_sensitive_location datasets. */
const SITES = {
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { site: 'A-1', kind: 'nest' }, geometry: { type: 'Point', coordinates: [-97.2123, 38.1456] } },
    { type: 'Feature', properties: { site: 'A-2', kind: 'nest' }, geometry: { type: 'Point', coordinates: [-97.2131, 38.1402] } },
    { type: 'Feature', properties: { site: 'B-1', kind: 'den' }, geometry: { type: 'Point', coordinates: [-96.1077, 38.2301] } },
  ],
};

const SENSITIVE = `${KFMFILE_HEADER.replace("import { defineKfm, dataset, task } from 'kfm';", "import { defineKfm, dataset, generalize, ingest, task } from 'kfm';")}const sensitive = (slug: string) => ({ ...spec(slug), sensitivity: { policy_label_intent: 'restricted_sensitive_location', pii_risk: 'none', sensitive_location_risk: 'high', obligations: [] } });
export default defineKfm({ datasets: [
  dataset(sensitive('sites'), [
    ingest('fetch', { source: 'file:src/sites.geojson' }),
    generalize('grid', { artifact: 'fetch', output: 'sites.geojson', method: 'grid_aggregation_60', write: 'sites_grid.geojson' }),
  ], { slice: '2020' }),
  dataset(sensitive('sites_raw'), [
    ingest('fetch', { source: 'file:src/sites.geojson' }),
    task('copy', { run: './copy.ts', deps: ['fetch'] }),
  ], { slice: '2020' }),
  dataset(sensitive('sites_leaky'), [
    ingest('fetch', { source: 'file:src/sites.geojson' }),
    generalize('grid', { artifact: 'fetch', output: 'sites.geojson', method: 'grid_aggregation_60', write: 'sites_grid.geojson' }),
    task('copy', { run: './copy.ts', deps: ['fetch'] }),
  ], { slice: '2020' }),
] });
`;

/** Publishes the raw points as they are. */
const COPY = `import type { TaskContext } from 'kfm';
export default async function copy(ctx: TaskContext): Promise<void> {
  await ctx.output('sites_copy.geojson', await ctx.upstream[\`\${ctx.dataset}/fetch\`]!['sites.geojson']!.text(), 'application/geo+json');
}
`;

describe('gate C: a restricted_sensitive_location dataset', () => {
  it('publishes only generalized points, and only with a steward approval; a missing plan or raw points are denied', async () => {
    const rig = newRig({ 'kfmfile.ts': SENSITIVE, 'copy.ts': COPY, 'src/sites.geojson': JSON.stringify(SITES), 'kfm.policy.json': RIG_POLICY });
    const dvids = await built(rig);
    const sites = `sites@${dvids.get('sites')!}`;

    // Generalized, but no steward has approved it yet.
    const unapproved = await promote(rig, sites);
    expect(unapproved.code).toBe(1);
    expect(notPassing(unapproved.report)).toEqual([['C', 'DENY']]);
    expect(unapproved.report.gates[2]!.reasons).toEqual([`policy label restricted_sensitive_location needs the approval of a steward: run kfm approve ${sites} --role steward`]);

    // An operator's approval does not count; a steward's does.
    expect((await rig.run(['approve', sites, '--role', 'operator', '--actor', 'bob'])).code).toBe(0);
    expect(notPassing((await promote(rig, sites, '--dry-run')).report)).toEqual([['C', 'DENY']]);
    expect(await rig.run(['approve', sites])).toMatchObject({ code: 2, stderr: expect.stringContaining('kfm approve needs --role <role>') });
    const approved = await rig.run(['approve', '--json', sites, '--role', 'steward', '--actor', 'alice']);
    expect(approved.code).toBe(0);
    const approval = JSON.parse(approved.stdout) as { approval: { approval_id: string; role: string; principal: string } };
    expectValidReport('approve', approval);
    expect(approval.approval).toMatchObject({ role: 'steward', principal: 'alice', scope: 'promote' });

    const granted = await promote(rig, sites);
    expect(granted.code, JSON.stringify(granted.report.gates)).toBe(0);
    expect(granted.report).toMatchObject({ status: 'promoted', overall: 'PASS' });
    expect(granted.report.gates[2]!.reasons).toEqual([
      'policy label restricted_sensitive_location may be published',
      `data/processed/sites/${dvids.get('sites')!}/sites_grid.geojson is generalized (grid_aggregation_60)`,
      expect.stringMatching(/^approved by alice \(steward\) at /),
    ]);
    const manifest = JSON.parse(rig.read(granted.report.manifest!.path)) as { approvals: unknown[]; policy: { policy_label: string } };
    expect(manifest.policy.policy_label).toBe('restricted_sensitive_location');
    // Every signed approval of the version is listed, the one gate C asked for among them.
    expect(manifest.approvals).toEqual([
      { role: 'operator', principal: 'bob', approved_at: expect.any(String), approval_id: expect.stringMatching(/^kfm:\/\/approval\//) },
      { role: 'steward', principal: 'alice', approved_at: expect.any(String), approval_id: approval.approval.approval_id },
    ]);
    // Nothing published is finer than the one-minute grid: every coordinate is a cell centre.
    const published = JSON.parse(rig.read(`data/processed/sites/${dvids.get('sites')!}/sites_grid.geojson`)) as { features: { geometry: { coordinates: number[] } }[] };
    for (const f of published.features) for (const c of f.geometry.coordinates) expect(Math.abs((c * 60) % 1)).toBeCloseTo(0.5, 6);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
    expect((await rig.run(['log', 'sites'])).stdout).toMatch(/ approve +- +sites@/);

    // No generalization plan in PROV: denied, even with a steward's approval.
    const raw = `sites_raw@${dvids.get('sites_raw')!}`;
    expect((await rig.run(['approve', raw, '--role', 'steward'])).code).toBe(0);
    const noPlan = await promote(rig, raw);
    expect(noPlan.code).toBe(1);
    expect(notPassing(noPlan.report)).toEqual([['C', 'DENY']]);
    expect(noPlan.report.gates[2]!.reasons[0]).toBe('the data must be generalized before it is published, but there is no generalization plan: no activity of the PROV bundle records kfm:generalization_method');

    // A plan in PROV, but raw points published beside the generalized ones: denied.
    const leaky = `sites_leaky@${dvids.get('sites_leaky')!}`;
    expect((await rig.run(['approve', leaky, '--role', 'steward'])).code).toBe(0);
    const notApplied = await promote(rig, leaky);
    expect(notApplied.code).toBe(1);
    expect(notPassing(notApplied.report)).toEqual([['C', 'DENY']]);
    expect(notApplied.report.gates[2]!.reasons).toEqual([expect.stringMatching(new RegExp(`^data/processed/sites_leaky/${dvids.get('sites_leaky')!.replace('.', '\\.')}/sites_copy\\.geojson is not generalized as PROV says \\(grid_aggregation_60: `))]);
    expect([latest(rig, 'sites_raw'), latest(rig, 'sites_leaky')]).toEqual([null, null]);
  });
});

/** Makes a data/ file writable and rewrites it (the data tree is read-only copies). */
function tamper(rig: CliRig, path: string, edit: (text: string) => string): void {
  const file = rig.path(path);
  const text = readFileSync(file, 'utf8');
  chmodSync(file, 0o644);
  writeFileSync(file, edit(text));
}

describe('gates D and E: a tampered catalog', () => {
  const files = { 'kfmfile.ts': `${KFMFILE_HEADER}export default defineKfm({ datasets: [dataset(spec('ks'), [task('a', { run: './t.ts' })], { slice: '2020' })] });\n`, 't.ts': "export default async function t(ctx: any) { await ctx.output('a.json', '{\"a\":1}', 'application/json'); }\n", 'kfm.policy.json': RIG_POLICY };

  it('a changed digest in the STAC collection fails D (and E: the file is not the bytes its receipt names); exit 1 with the reason', async () => {
    const rig = newRig(files);
    const dvid = (await built(rig)).get('ks')!;
    expect((await promote(rig, `ks@${dvid}`, '--dry-run')).report.overall).toBe('PASS');
    const collection = `data/catalog/ks/${dvid}/stac/collection.json`;
    const digest = (JSON.parse(rig.read(collection)) as { assets: Record<string, { 'kfm:digest': string }> }).assets;
    const first = Object.values(digest)[0]!['kfm:digest'];
    tamper(rig, collection, (t) => t.replaceAll(first, `sha256:${'0'.repeat(64)}`));
    const r = await rig.run(['promote', `ks@${dvid}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\n {2}D +catalog triplet +DENY +catalog\/ks\/[^ ]+\/stac\/collection\.json: digest: /);
    expect(r.stdout).toContain(`denied ks@${dvid} (D DENY, E DENY)`);
    expect(latest(rig, 'ks')).toBeNull();
  });

  it('a broken link (describedby pointing at no file) fails D; exit 1 with the reason', async () => {
    const rig = newRig(files);
    const dvid = (await built(rig)).get('ks')!;
    expect((await promote(rig, `ks@${dvid}`, '--dry-run')).report.overall).toBe('PASS');
    const collection = `data/catalog/ks/${dvid}/stac/collection.json`;
    tamper(rig, collection, (t) => t.replace('"../dcat.jsonld"', '"../dcat-gone.jsonld"'));
    const r = await promote(rig, `ks@${dvid}`);
    expect(r.code).toBe(1);
    const d = r.report.gates.find((g) => g.gate === 'D')!;
    expect(d.answer).toBe('DENY');
    expect(d.reasons.join('\n')).toMatch(new RegExp(`^catalog/ks/${dvid.replace('.', '\\.')}/stac/collection\\.json: link: .*dcat-gone\\.jsonld`, 'm'));
    expect(r.report.status).toBe('denied');
    expect(latest(rig, 'ks')).toBeNull();
  });
});

describe('gate F: a QA failure and a steward override', () => {
  /** kfm's own QA task, copied into the project; the spec asks for 5 features, its QA node checks for 1. */
  const QA_SOURCES = ['tasks/upstreamOutput.ts', ...['qa', 'geo'].flatMap((d) => readdirSync(join(REPO_ROOT, 'tasks', d)).map((f) => `tasks/${d}/${f}`))];
  const KFMFILE = `${KFMFILE_HEADER.replace("import { defineKfm, dataset, task } from 'kfm';", "import { defineKfm, dataset, ingest, task } from 'kfm';")}const counts = { ...spec('counts'), validation: { checks: [{ name: 'feature_count', threshold: '>= 5' }] } };
export default defineKfm({ datasets: [dataset(counts, [
  ingest('fetch', { source: 'file:src/sites.geojson' }),
  task('qa', { run: './tasks/qa/qaTask.ts', operation: 'qa', deps: ['fetch'], params: { artifact: 'fetch', output: 'sites.geojson', required_fields: [], id_field: 'site', bbox: [-102.1, 36.9, -94.5, 40.1], checks: [{ name: 'feature_count', threshold: '>= 1' }] } }),
], { slice: '2020' })] });
`;

  it('is denied (F), then promoted only by a steward with a rationale, which the signed receipt and the manifest record', async () => {
    const files: Record<string, string> = { 'kfmfile.ts': KFMFILE, 'src/sites.geojson': JSON.stringify(SITES), 'kfm.policy.json': RIG_POLICY };
    for (const f of QA_SOURCES) files[f] = readFileSync(join(REPO_ROOT, f), 'utf8');
    const rig = newRig(files);
    const target = `counts@${(await built(rig)).get('counts')!}`;
    const denied = await promote(rig, target);
    expect(denied.code).toBe(1);
    expect(notPassing(denied.report)).toEqual([['F', 'DENY']]);
    expect(denied.report.gates[5]!.reasons).toEqual(['check feature_count ran with threshold >= 1, but the spec says >= 5']);

    // Without the steward role, or without a rationale: exit 2, nothing written.
    expect(await rig.run(['promote', target, '--override', '--rationale', 'ok', '--role', 'operator'])).toMatchObject({ code: 2, stderr: 'kfm: kfm promote --override needs --role steward (kfm.policy.json qa.override_role); got --role operator\n' });
    expect(await rig.run(['promote', target, '--override', '--role', 'steward'])).toMatchObject({ code: 2, stderr: expect.stringContaining('needs --rationale') });
    expect(latest(rig, 'counts')).toBeNull();

    const rationale = 'three sites is the whole survey; the threshold of 5 was a template default';
    const granted = await promote(rig, target, '--override', '--rationale', rationale, '--role', 'steward', '--actor', 'alice');
    expect(granted.code, JSON.stringify(granted.report.gates)).toBe(0);
    expect(granted.report).toMatchObject({ status: 'promoted', overall: 'PASS' });
    expect(granted.report.gates[5]!.reasons).toEqual([`QA failed (check feature_count ran with threshold >= 1, but the spec says >= 5), overridden by alice (steward): ${rationale}`]);
    expect(latest(rig, 'counts')).toBe(target.split('@')[1]);
    const manifest = JSON.parse(rig.read(granted.report.manifest!.path)) as { qa: { status: string }; approvals: unknown[] };
    expect(manifest.qa.status).toBe('fail');
    expect(manifest.approvals).toEqual([{ role: 'steward', principal: 'alice', approved_at: expect.any(String), override: { gate: 'F', rationale } }]);
    const envelope = JSON.parse(rig.read(granted.report.receipt!.path)) as { payload: string };
    const predicate = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { actor: unknown; mode_reason: string; environment: { parameters: Record<string, unknown> } } }).predicate;
    expect(predicate.environment.parameters['override']).toEqual({ principal: 'alice', role: 'steward', rationale });
    expect(predicate.actor).toEqual({ principal: 'alice', role: 'steward' });
    expect(predicate.mode_reason).toMatch(/gates A–G all PASS, the QA failure overridden by alice \(steward\)$/);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
  });
});
