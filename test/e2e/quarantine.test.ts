/**
 * QA quarantine through the real CLI, with kfm's own QA task (tasks/qa/, copied into the
 * project): a dataset whose QA fails (a feature_count it cannot meet) is recorded as a
 * `quarantined` version, not a failed task: exit 1, its files under
 * data/quarantine/<slug>/<dvid>/, the failed checks in the registry, the state, the build
 * report and `kfm status`, a qa receipt with `validation.status: fail`, receipts verify and fsck clean,
 * a retry that stays quarantined and says so, no catalog from a build or plain `kfm catalog`,
 * and `kfm promote` denying it (gates F and D). A steward's override (with a rationale) passes F;
 * its dry run writes nothing (D abstains: no catalog yet); the real one catalogues the version's
 * quarantine/ files first, so D passes and it is promoted: the manifest lists the override,
 * receipts verify and kfm validate pass. A dataset beside
 * it whose QA passes is a candidate under data/processed/ as before.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../../store/schemaValidator.js';
import { REPO_ROOT, RIG_POLICY, useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const newRig = useCliRigs();

const QA_SOURCES = ['tasks/upstreamOutput.ts', ...['qa', 'geo'].flatMap((d) => readdirSync(join(REPO_ROOT, 'tasks', d)).map((f) => `tasks/${d}/${f}`))];

const spec = (slug: string, featureCount: string) =>
  `{ kfm_spec_version: 'v1', dataset_slug: '${slug}', title: '${slug}', upstream: { authority: 'test', access_method: 'file', endpoints: [], cadence: 'none', terms_snapshot: { license: 'CC0-1.0' } }, sensitivity: { policy_label_intent: 'public', pii_risk: 'none', sensitive_location_risk: 'none', obligations: [] }, normalization: { canonical_fields: ['id'], crs: 'EPSG:4326' }, validation: { checks: [{ name: 'geometry_valid', threshold: '>= 0.999' }, { name: 'feature_count', threshold: '${featureCount}' }] }, outputs: [] }`;

const dataset = (slug: string, featureCount: string) => `dataset(${spec(slug, featureCount)}, [
    ingest('fetch', { source: 'file:src/points.geojson' }),
    task('qa', { run: './tasks/qa/qaTask.ts', operation: 'qa', deps: ['fetch'], params: { artifact: 'fetch', output: 'points.geojson', required_fields: ['id'], id_field: 'id', bbox: [-102.1, 36.9, -94.5, 40.1], checks: [{ name: 'geometry_valid', threshold: '>= 0.999' }, { name: 'feature_count', threshold: '${featureCount}' }] } }),
  ], { slice: '2020' })`;

const KFMFILE = `import { defineKfm, dataset, ingest, task } from 'kfm';
export default defineKfm({ datasets: [
  ${dataset('few', '>= 200')},
  ${dataset('fine', '>= 1')},
] });
`;

const POINTS = JSON.stringify({
  type: 'FeatureCollection',
  features: [
    { type: 'Feature', properties: { id: 1 }, geometry: { type: 'Point', coordinates: [-97.3, 38.1] } },
    { type: 'Feature', properties: { id: 2 }, geometry: { type: 'Point', coordinates: [-96.1, 39.2] } },
    { type: 'Feature', properties: { id: 3 }, geometry: { type: 'Point', coordinates: [-99.9, 37.5] } },
  ],
});

function project(): CliRig {
  const files: Record<string, string> = { 'kfmfile.ts': KFMFILE, 'src/points.geojson': POINTS };
  for (const f of QA_SOURCES) files[f] = readFileSync(join(REPO_ROOT, f), 'utf8');
  return newRig(files);
}

const FAILED = [{ node: 'few/qa', name: 'feature_count', value: 3, threshold: '>= 200' }];

function qaReceipt(rig: CliRig, slug: string, dvid: string): { validation: { status: string; reports: unknown[] }; outputs: { zone: string; path: string }[] } {
  const dir = rig.path('data/catalog', slug, dvid, 'receipts');
  for (const f of readdirSync(dir)) {
    const envelope = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { payload: string };
    const predicate = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { operation: string } }).predicate;
    if (predicate.operation === 'qa') return predicate as never;
  }
  throw new Error(`no qa receipt in ${dir}`);
}

describe('QA quarantine', () => {
  it('records a failing QA as a quarantined version: exit 1, data/quarantine/, registry, receipts, status; a retry stays quarantined', async () => {
    const rig = project();
    const plain = await rig.run(['build']);
    expect(plain.code, plain.stderr).toBe(1);
    const reg = JSON.parse(readFileSync(rig.path('registry/few.json'), 'utf8')) as { versions: Array<Record<string, unknown>>; latest_version_id: unknown };
    const dvid = reg.versions[0]!['dataset_version_id'] as string;
    expect(plain.stdout).toContain(`\nquarantined few@${dvid}: QA failed: feature_count = 3 (>= 200)\n`);
    expect(plain.stdout).not.toContain('quarantined fine@');
    expect(plain.stdout).not.toContain('FAILED');
    expect(plain.stdout).toMatch(/\nbuild failed: 4 executed, 0 cached, 0 failed, 0 skipped in /);

    // The registry: quarantined, with the failed check; never the latest.
    expect(reg.versions).toEqual([expect.objectContaining({ dataset_version_id: dvid, status: 'quarantined', failed_checks: FAILED })]);
    expect(reg.latest_version_id).toBeNull();
    const fine = JSON.parse(readFileSync(rig.path('registry/fine.json'), 'utf8')) as { versions: Array<Record<string, unknown>> };
    expect(fine.versions).toEqual([expect.objectContaining({ status: 'candidate' })]);
    expect(fine.versions[0]).not.toHaveProperty('failed_checks');

    // The state records the version with its failed checks (and the other with none).
    const db = new Database(rig.path('.kfm/state.db'), { readonly: true });
    const rows = db.prepare('SELECT dataset_slug, failed_checks FROM versions ORDER BY dataset_slug').all() as { dataset_slug: string; failed_checks: string | null }[];
    db.close();
    expect(rows.map((r) => [r.dataset_slug, r.failed_checks === null ? null : JSON.parse(r.failed_checks)])).toEqual([['few', FAILED], ['fine', null]]);

    // The files: under data/quarantine/, the report schema-valid; nothing under data/processed/few.
    const home = rig.path('data/quarantine/few', dvid);
    expect(readdirSync(home).sort()).toEqual(['checksums.json', 'qa']);
    const report = JSON.parse(readFileSync(join(home, 'qa/validation_report.json'), 'utf8')) as { status: string; reports: { name: string; status: string }[] };
    expect(schemaValidator('validation-report')(report)).toEqual([]);
    expect(report.status).toBe('fail');
    expect(report.reports.map((r) => [r.name, r.status])).toEqual([['geometry_valid', 'pass'], ['feature_count', 'fail']]);
    const checksums = JSON.parse(readFileSync(join(home, 'checksums.json'), 'utf8')) as { files: { path: string }[] };
    expect(checksums.files.map((f) => f.path)).toEqual(['qa/validation_report.json']);
    expect(existsSync(rig.path('data/processed/few'))).toBe(false);
    const fineDvid = fine.versions[0]!['dataset_version_id'] as string;
    expect(existsSync(rig.path('data/processed/fine', fineDvid, 'qa/validation_report.json'))).toBe(true);
    expect(existsSync(rig.path('data/quarantine/fine'))).toBe(false);

    // The qa receipt: validation fail, its output in the quarantine zone.
    const receipt = qaReceipt(rig, 'few', dvid);
    expect(receipt.validation.status).toBe('fail');
    expect(receipt.outputs).toEqual([expect.objectContaining({ zone: 'quarantine', path: `quarantine/few/${dvid}/qa/validation_report.json` })]);
    expect(qaReceipt(rig, 'fine', fineDvid).validation.status).toBe('pass');
    const verify = await rig.run(['receipts', 'verify']);
    expect(verify.code, verify.stdout).toBe(0);
    const fsck = await rig.run(['fsck']);
    expect(fsck.code, fsck.stdout).toBe(0);

    // A retry: every node cached, the same dvid, quarantined again and saying so; exit 1.
    const retry = await rig.buildJson();
    expect(retry.result.code).toBe(1);
    expectValidReport('build', retry.report);
    expect(retry.report.status).toBe('failed');
    expect(retry.report.nodes.every((n) => n.status === 'cached')).toBe(true);
    const few = retry.report.versions.find((v) => v.dataset_slug === 'few') as unknown as Record<string, unknown>;
    expect(few).toMatchObject({ dataset_version_id: dvid, mode: 'retry', created: false, status: 'quarantined', failed_checks: FAILED });
    expect(retry.report.versions.find((v) => v.dataset_slug === 'fine')).toMatchObject({ status: 'candidate', failed_checks: [] });
    const again = await rig.run(['build']);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`\nquarantined few@${dvid} (again: a retry of a quarantined version): QA failed: feature_count = 3 (>= 200)\n`);
    expect(JSON.parse(readFileSync(rig.path('registry/few.json'), 'utf8'))).toEqual(reg);

    // kfm status, text and JSON.
    const status = await rig.run(['status', 'few']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('; latest none (nothing promoted); 0 candidates; 1 quarantined)\n');
    expect(status.stdout).toMatch(new RegExp(`\\n {2}quarantined ${dvid.replace('.', '\\.')}: QA failed: feature_count = 3 \\(>= 200\\)\\n$`));
    const statusJson = await rig.run(['status', '--json']);
    const doc = JSON.parse(statusJson.stdout) as { datasets: { dataset_slug: string; versions: Record<string, unknown>[] }[] };
    expectValidReport('status', doc);
    expect(doc.datasets.find((d) => d.dataset_slug === 'few')!.versions[0]).toMatchObject({ status: 'quarantined', failed_checks: FAILED });

    // Nothing quarantined is catalogued: not by a build, not by plain kfm catalog.
    expect(existsSync(rig.path('data/catalog/few', dvid, 'dcat.jsonld'))).toBe(false);
    expect(existsSync(rig.path('data/catalog/fine', fineDvid, 'dcat.jsonld'))).toBe(true);
    expect(await rig.run(['catalog', `few@${dvid}`])).toMatchObject({ code: 1, stderr: expect.stringContaining('is quarantined: nothing quarantined is catalogued') });
    expect(existsSync(rig.path('data/catalog/few', dvid, 'dcat.jsonld'))).toBe(false);

    // kfm promote denies it: gate F (quarantined, the failed check), and gate D (nothing quarantined is catalogued).
    rig.write({ 'kfm.policy.json': RIG_POLICY });
    const promote = await rig.run(['promote', '--json', `few@${dvid}`]);
    expect(promote.code).toBe(1);
    const denied = JSON.parse(promote.stdout) as { status: string; gates: { gate: string; answer: string; reasons: string[] }[] };
    expectValidReport('promote', denied);
    expect(denied.status).toBe('denied');
    expect(denied.gates.filter((g) => g.answer !== 'PASS').map((g) => [g.gate, g.answer])).toEqual([['D', 'ABSTAIN'], ['F', 'DENY']]);
    expect(denied.gates[5]!.reasons).toEqual([`few@${dvid} is quarantined: its QA failed`, 'check feature_count failed: 3 (needs >= 200)']);
    // An override needs the steward role and a rationale (usage errors, nothing catalogued).
    expect(await rig.run(['promote', '--override', '--rationale', 'a known short extract', `few@${dvid}`])).toMatchObject({ code: 2, stderr: expect.stringContaining('needs --role steward') });
    expect(await rig.run(['promote', '--override', '--role', 'steward', `few@${dvid}`])).toMatchObject({ code: 2, stderr: expect.stringContaining('needs --rationale') });
    expect(existsSync(rig.path('data/catalog/few', dvid, 'dcat.jsonld'))).toBe(false);
    const registryBefore = readFileSync(rig.path('registry/few.json'), 'utf8');
    const steward = ['--override', '--rationale', 'a known short extract', '--role', 'steward', '--actor', 'alice'];
    // Its dry run passes F and writes nothing, so no catalog yet: D abstains (exit 1).
    const dry = await rig.run(['promote', '--json', '--dry-run', ...steward, `few@${dvid}`]);
    expect(dry.code).toBe(1);
    const d = JSON.parse(dry.stdout) as typeof denied;
    expectValidReport('promote', d);
    expect(d.status).toBe('checked');
    expect(d.gates.filter((g) => g.answer !== 'PASS').map((g) => [g.gate, g.answer])).toEqual([['D', 'ABSTAIN']]);
    expect(existsSync(rig.path('data/catalog/few', dvid, 'dcat.jsonld'))).toBe(false);
    expect(readFileSync(rig.path('registry/few.json'), 'utf8')).toBe(registryBefore);
    // The real one catalogues the quarantined files first: every gate passes and it is promoted.
    const overridden = await rig.run(['promote', '--json', ...steward, `few@${dvid}`]);
    expect(overridden.code, overridden.stdout + overridden.stderr).toBe(0);
    const o = JSON.parse(overridden.stdout) as typeof denied & { receipt: { path: string }; manifest: { path: string }; latest_version_id: string };
    expectValidReport('promote', o);
    expect(o.status).toBe('promoted');
    expect(o.gates.map((g) => g.answer)).toEqual(['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS']);
    expect(o.gates[5]!.reasons[0]).toMatch(/overridden by alice \(steward\): a known short extract$/);
    expect(o.latest_version_id).toBe(dvid);
    // The catalog names the files where they are, under quarantine/.
    const dcat = readFileSync(rig.path('data/catalog/few', dvid, 'dcat.jsonld'), 'utf8');
    expect(dcat).toContain(`quarantine/few/${dvid}/`);
    expect(dcat).not.toContain(`processed/few/${dvid}/`);
    const envelope = JSON.parse(readFileSync(rig.path(o.receipt.path), 'utf8')) as { payload: string };
    const parameters = (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: { environment: { parameters: Record<string, unknown> } } }).predicate.environment.parameters;
    expect(parameters['override']).toEqual({ principal: 'alice', role: 'steward', rationale: 'a known short extract' });
    const manifestText = readFileSync(rig.path(o.manifest.path), 'utf8');
    expect(manifestText).toContain('a known short extract');
    expect(manifestText).toContain('alice');
    expect(manifestText).toContain('steward');
    expect(manifestText).toContain(`quarantine/few/${dvid}/`);
    expect((JSON.parse(readFileSync(rig.path('registry/few.json'), 'utf8')) as { latest_version_id: unknown }).latest_version_id).toBe(dvid);
    expect((await rig.run(['receipts', 'verify'])).code).toBe(0);
    const validate = await rig.run(['validate', `few@${dvid}`]);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const after = await rig.run(['build']);
    // A build after it: the published version's catalog (of its quarantine/ files) is cached, nothing regenerated.
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toContain(`\ncatalog  few@${dvid}: cached\n`);
    expect(readFileSync(rig.path('data/catalog/few', dvid, 'dcat.jsonld'), 'utf8')).toBe(dcat);
  });
});
