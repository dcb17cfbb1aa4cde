/**
 * `kfm serve` over real HTTP on 127.0.0.1, against the Kansas pipeline built, promoted and
 * projected (test/support/serveProjections.ts): the lineage status contract, every route,
 * the errors (`{error_code, message, audit_ref}` with the right status), the operator token,
 * answering while a build holds the project lock, and a denied promotion as `degraded`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileProjectLock } from '../../store/projectLock.js';
import { State } from '../../store/state.js';
import { KFM_BIN, REPO_ROOT } from '../support/cliRig.js';
import { buildKansasProject, KANSAS_SLUGS, type KansasProject } from '../support/kansasProject.js';
import { addRestrictedRegistry, denyPlacesPromotion, startServe, type RunningServe } from '../support/serveRig.js';
import { projectLiveVersions } from '../support/serveProjections.js';
import { expectValidReport } from '../e2e/reportSchemas.js';

const TOKEN = 'serve-test-operator-token-0123456789';
const RESTRICTED = 'ks_restricted';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
const schema = (name: string) => ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as object);
const validStatus = schema('lineage-status');
const validError = schema('serve-error');

interface Lineage {
  dataset_slug: string;
  badge: string;
  badge_reason: string;
  current_dataset_version_id: string | null;
  validation_status: string;
  last_attempted_run: { status: string } | null;
  last_successful_run: { status: string } | null;
  freshness: { last_validated_at: string | null; last_promoted_at: string | null };
  last_promotion: { decision: string; dataset_version_id: string; blocking_gates: { gate: string; answer: string }[] } | null;
}

describe('kfm serve: the lineage API', () => {
  let project: KansasProject;
  let serve: RunningServe;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(serve.url + path, { headers });
    const type = res.headers.get('content-type') ?? '';
    const body: unknown = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  };
  const json = async <T>(path: string, headers: Record<string, string> = {}): Promise<T> => {
    const r = await get(path, headers);
    expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    return r.body as T;
  };
  const status = async (headers: Record<string, string> = {}) => {
    const report = await json<{ datasets: Lineage[] }>('/api/v1/lineage/status', headers);
    expect(validStatus(report), JSON.stringify(validStatus.errors)).toBe(true);
    return new Map(report.datasets.map((d) => [d.dataset_slug, d]));
  };
  const expectError = async (path: string, code: number, errorCode: string, headers: Record<string, string> = {}) => {
    const r = await get(path, headers);
    expect([path, r.status]).toEqual([path, code]);
    expect(validError(r.body), `${path}: ${JSON.stringify(r.body)}`).toBe(true);
    const body = r.body as { error_code: string; message: string; audit_ref: string };
    expect([path, body.error_code]).toEqual([path, errorCode]);
    return body;
  };

  beforeAll(async () => {
    project = buildKansasProject();
    expect(await projectLiveVersions(project.dir)).toEqual([...KANSAS_SLUGS]);
    addRestrictedRegistry(project, RESTRICTED);
    serve = await startServe(project.dir, { KFM_SERVE_TOKEN: TOKEN });
  });
  afterAll(async () => {
    if (serve?.cli.running) await serve.stop();
    project?.remove();
  });

  it('prints its URL as one JSON line (schemas/serve-report.schema.json), on 127.0.0.1', () => {
    const line = JSON.parse(serve.cli.stdout.split('\n')[0]!) as { url: string };
    expectValidReport('serve', line);
    expect(line).toEqual({ kfm_serve_version: 'v1', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:[0-9]+$/), operator_token: 'set' });
  });

  it('GET /api/v1/lineage/status: the contract fields; the three Kansas datasets healthy after build and promote', async () => {
    const datasets = await status();
    expect([...datasets.keys()]).toEqual([...KANSAS_SLUGS]);
    for (const slug of KANSAS_SLUGS) {
      const d = datasets.get(slug)!;
      expect({ slug, badge: d.badge, live: d.current_dataset_version_id, qa: d.validation_status }).toEqual({ slug, badge: 'healthy', live: project.dvids[slug], qa: 'pass' });
      expect(d.last_attempted_run?.status).toBe('succeeded');
      expect(d.last_successful_run?.status).toBe('succeeded');
      expect(d.freshness.last_validated_at).toMatch(/^20[0-9]{2}-/);
      expect(d.freshness.last_promoted_at).toMatch(/^20[0-9]{2}-/);
      expect(d.last_promotion).toMatchObject({ decision: 'promoted', dataset_version_id: project.dvids[slug], blocking_gates: [] });
    }
  });

  it('restricted data only with the operator token; a wrong token is 401, never anonymous', async () => {
    expect((await status()).has(RESTRICTED)).toBe(false);
    expect((await status({ authorization: `Bearer ${TOKEN}` })).get(RESTRICTED)?.badge).toBeDefined();
    const anonymous = await expectError(`/api/v1/datasets/${RESTRICTED}`, 404, 'not_found');
    const absent = await expectError('/api/v1/datasets/no_such_dataset', 404, 'not_found');
    // An anonymous caller cannot tell a restricted dataset from a missing one.
    expect(anonymous.message.replace(RESTRICTED, 'X')).toBe(absent.message.replace('no_such_dataset', 'X'));
    expect(await json<{ dataset: { policy_label: string } }>(`/api/v1/datasets/${RESTRICTED}`, { authorization: `Bearer ${TOKEN}` })).toMatchObject({ dataset: { policy_label: 'restricted' } });
    await expectError('/api/v1/lineage/status', 401, 'unauthorized', { authorization: `Bearer ${TOKEN}x` });
    await expectError('/api/v1/lineage/status', 401, 'unauthorized', { authorization: TOKEN });
    const datasets = await json<{ datasets: { dataset_slug: string }[] }>('/api/v1/datasets');
    expect(datasets.datasets.map((d) => d.dataset_slug)).toEqual([...KANSAS_SLUGS]);
    // The token appears nowhere the server writes.
    expect(serve.cli.stdout + serve.cli.stderr).not.toContain(TOKEN);
  });

  it('a version: mode and reason, status, the gates table, the QA report, receipts and citations that resolve', async () => {
    const dvid = project.dvids.ks_places;
    const { version } = await json<{
      version: {
        mode: string;
        mode_reason: string;
        status: string;
        latest: boolean;
        gates: { gate: string; answer: string }[];
        qa: { status: string; report: { reports: unknown[] } };
        receipts: { seq: number; operation: string; run_id: string }[];
        citations: { ref: string }[];
      };
    }>(`/api/v1/datasets/ks_places/versions/${dvid}`);
    expect({ mode: version.mode, status: version.status, latest: version.latest }).toEqual({ mode: 'new', status: 'published', latest: true });
    expect(version.mode_reason).toBe('no version of ks_places@2017 yet');
    expect(version.gates.map((g) => `${g.gate} ${g.answer}`)).toEqual(['A PASS', 'B PASS', 'C PASS', 'D PASS', 'E PASS', 'F PASS', 'G PASS']);
    expect(version.qa.status).toBe('pass');
    expect(version.qa.report.reports).toHaveLength(5);
    expect(version.receipts.map((r) => r.operation)).toEqual(['ingest', 'transform', 'qa', 'catalog', 'promote']);
    expect(version.citations.map((c) => c.ref)).toEqual([`kfm://dataset/ks_places@${dvid}`, `dcat://ks_places@${dvid}`, `stac://ks_places@${dvid}`, `prov://ks_places@${dvid}`]);
    for (const ref of [...version.citations.map((c) => c.ref), ...version.receipts.map((r) => r.run_id)]) {
      const evidence = await json<{ ref: string; dataset_slug: string }>(`/api/v1/evidence?ref=${encodeURIComponent(ref)}`);
      expect(evidence).toMatchObject({ ref, dataset_slug: 'ks_places' });
    }
    const versions = await json<{ versions: unknown[] }>('/api/v1/datasets/ks_places/versions');
    expect(versions.versions).toHaveLength(1);
  });

  it('one receipt decoded and verified (signature, chain position), by seq and by run id', async () => {
    const { version } = await json<{ version: { receipts: { seq: number; operation: string; run_id: string }[] } }>(`/api/v1/datasets/ks_counties/versions/${project.dvids.ks_counties}`);
    const promote = version.receipts.find((r) => r.operation === 'promote')!;
    for (const which of [String(promote.seq), encodeURIComponent(promote.run_id)]) {
      const receipt = await json<Record<string, unknown>>(`/api/v1/receipts/${which}`);
      expectValidReport('receipts-show', receipt);
      expect(receipt).toMatchObject({ seq: promote.seq, run_id: promote.run_id, signature: { status: 'verified', problems: [] }, chain: { intact: true }, statement: { type: 'https://in-toto.io/Statement/v1' } });
    }
    await expectError('/api/v1/receipts/99999', 404, 'not_found');
  });

  it("a dataset's DAG: every task of it and its upstreams, each with its last status, and a DOT picture", async () => {
    const graph = spawnSync(process.execPath, [KFM_BIN, 'graph', '--json', 'ks_places_per_county'], { cwd: project.dir, encoding: 'utf8' });
    const expected = (JSON.parse(graph.stdout) as { nodes: { id: string }[] }).nodes.map((n) => n.id);
    const dag = await json<{ nodes: { id: string; status: string }[]; edges: unknown[]; dot: string }>('/api/v1/datasets/ks_places_per_county/dag');
    expect(dag.nodes.map((n) => n.id)).toEqual(expected);
    expect(new Set(dag.nodes.map((n) => n.status))).toEqual(new Set(['executed']));
    for (const id of expected) expect(dag.dot).toContain(`"${id}" [label=`);
    await expectError(`/api/v1/datasets/${RESTRICTED}/dag`, 404, 'not_found', { authorization: `Bearer ${TOKEN}` });
  });

  it('search over the projection: each hit an EvidenceRef that resolves to the feature', async () => {
    const { hits } = await json<{ hits: { dataset_slug: string; evidence_ref: string; text: string }[] }>('/api/v1/search?q=Wichita');
    const place = hits.find((h) => h.dataset_slug === 'ks_places')!;
    expect(place.text).toContain('Wichita');
    const evidence = await json<{ kind: string; value: { properties: { name: string } } }>(`/api/v1/evidence?ref=${encodeURIComponent(place.evidence_ref)}`);
    expect(evidence).toMatchObject({ kind: 'feature', value: { properties: { name: 'Wichita' } } });
    expect((await json<{ hits: unknown[] }>('/api/v1/search?q=zzzznotaplace')).hits).toEqual([]);
    await expectError('/api/v1/search?q=Wichita&limit=0', 400, 'bad_request');
    await expectError('/api/v1/search', 400, 'bad_request');
  });

  it('tiles: the archive’s own bytes per z/x/y (MBTiles, else PMTiles), 204 for an empty tile, the PMTiles archive by range', async () => {
    const db = new Database(join(project.dir, 'projections', 'tiles', 'ks_counties.mbtiles'), { readonly: true });
    const row = db.prepare('SELECT zoom_level AS z, tile_column AS x, tile_row AS r, tile_data AS data FROM tiles WHERE zoom_level = 5 ORDER BY tile_column, tile_row LIMIT 1').get() as { z: number; x: number; r: number; data: Buffer };
    db.close();
    const tile = await get(`/tiles/ks_counties/5/${row.x}/${2 ** 5 - 1 - row.r}.mvt`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    // fetch undoes the Content-Encoding: the body is the archive's tile, gunzipped.
    expect(Buffer.compare(tile.body as Buffer, gunzipSync(row.data))).toBe(0);
    expect((tile.body as Buffer).includes(Buffer.from('ks_counties'))).toBe(true);
    expect((await get('/tiles/ks_counties/5/0/0.mvt')).status).toBe(204);
    // Without the MBTiles archive, the same tile comes from the PMTiles one.
    const perCounty = join(project.dir, 'projections', 'tiles', 'ks_places_per_county.mbtiles');
    const db2 = new Database(perCounty, { readonly: true });
    const row2 = db2.prepare('SELECT tile_column AS x, tile_row AS r, tile_data AS data FROM tiles WHERE zoom_level = 6 ORDER BY tile_column, tile_row LIMIT 1').get() as { x: number; r: number; data: Buffer };
    db2.close();
    rmSync(perCounty);
    const fromPmtiles = await get(`/tiles/ks_places_per_county/6/${row2.x}/${2 ** 6 - 1 - row2.r}.mvt`);
    expect(fromPmtiles.status).toBe(200);
    expect(Buffer.compare(fromPmtiles.body as Buffer, gunzipSync(row2.data))).toBe(0);
    const range = await fetch(`${serve.url}/tiles/ks_counties.pmtiles`, { headers: { range: 'bytes=0-126' } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).subarray(0, 7).toString()).toBe('PMTiles');
  });

  it("the live version's GeoJSON (the map's source before tiles): its artifact from the store, by digest", async () => {
    const r = await get('/api/v1/datasets/ks_counties/geojson');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/geo+json');
    const digest = r.headers.get('x-kfm-artifact')!;
    const checksums = readFileSync(join(project.dir, 'data', 'processed', 'ks_counties', project.dvids.ks_counties, 'checksums.json'), 'utf8');
    expect(checksums).toContain(digest.replace(/^sha256:/, ''));
    const doc = r.body as { type: string; features: unknown[] };
    expect([doc.type, doc.features.length]).toEqual(['FeatureCollection', 105]);
    await expectError(`/api/v1/datasets/${RESTRICTED}/geojson`, 404, 'not_found');
  });

  it('errors: unknown routes, bad refs, bad tile coordinates, bad slugs, each {error_code, message, audit_ref}, logged by audit_ref', async () => {
    const cases: [string, number, string][] = [
      ['/api/v1/nope', 404, 'not_found'],
      ['/nothing/here', 404, 'not_found'],
      ['/api/v1/evidence', 400, 'bad_request'],
      ['/api/v1/evidence?ref=bogus', 400, 'bad_ref'],
      ['/api/v1/evidence?ref=stac://Not-A-Slug@x', 400, 'bad_ref'],
      [`/api/v1/evidence?ref=${encodeURIComponent(`kfm://artifact/sha256:${'0'.repeat(64)}#0`)}`, 404, 'not_found'],
      [`/api/v1/evidence?ref=${encodeURIComponent('doc://processed/ks_places/none.json')}`, 404, 'not_found'],
      [`/api/v1/evidence?ref=${encodeURIComponent('kfm://run/20200101T000000Z.ks_places.00000000')}`, 404, 'not_found'],
      ['/tiles/ks_counties/5/32/0.mvt', 400, 'bad_tile'],
      ['/tiles/ks_counties/25/0/0.mvt', 400, 'bad_tile'],
      ['/tiles/ks_counties/5/-1/0.mvt', 400, 'bad_tile'],
      ['/tiles/ks_counties/5/1/1.5.mvt', 400, 'bad_tile'],
      ['/tiles/ks_counties/5/1/1.png', 400, 'bad_tile'],
      ['/tiles/no_such/5/1/1.mvt', 404, 'not_found'],
      ['/tiles/ks_counties.mbtiles', 404, 'not_found'],
      ['/api/v1/datasets/Bad-Slug', 400, 'bad_request'],
      ['/api/v1/datasets/ks_places/versions/2017.00000000', 404, 'not_found'],
      [`/api/v1/datasets/${RESTRICTED}/versions`, 404, 'not_found'],
    ];
    for (const [path, code, errorCode] of cases) {
      const body = await expectError(path, code, errorCode);
      await serve.cli.waitFor('stderr', body.audit_ref, 5_000);
    }
    const logged = serve.cli.stderr.trim().split('\n').map((l) => JSON.parse(l) as { kfm_serve_error: { audit_ref: string; status: number } });
    expect(new Set(logged.map((l) => l.kfm_serve_error.audit_ref)).size).toBe(logged.length);
  });

  it('answers while a build holds the project lock: a running build is `running`; a real build beside it is never blocked', async () => {
    const lock = new FileProjectLock(project.paths.kfmDir);
    const state = State.open(project.paths.statePath);
    await lock.acquire('kfm build ks_places', () => undefined);
    try {
      state.beginRun({ runId: 'serve-test-running', startedAt: new Date().toISOString(), targets: ['ks_places'], jobs: 1 });
      const during = await status();
      expect(during.get('ks_places')?.badge).toBe('running');
      expect(during.get('ks_counties')?.badge).toBe('healthy');
      state.endRun('serve-test-running', new Date().toISOString(), 'succeeded', []);
    } finally {
      await lock.close();
      state.db.close();
    }
    expect((await status()).get('ks_places')?.badge).toBe('healthy');

    // A real build (a retry of everything) while status is asked again and again.
    const build = spawn(process.execPath, [KFM_BIN, 'build', '--json'], { cwd: project.dir, stdio: 'ignore' });
    const ended = new Promise<number | null>((resolve) => build.on('close', resolve));
    let done = false;
    void ended.then(() => (done = true));
    const answers: number[] = [];
    while (!done) answers.push((await get('/api/v1/lineage/status')).status);
    expect(await ended).toBe(0);
    expect(answers.length).toBeGreaterThan(0);
    expect(new Set(answers)).toEqual(new Set([200]));
  });

  it('a denied promotion shows as degraded, with its reason and the blocking gate; the live version stays', async () => {
    const denied = denyPlacesPromotion(project);
    expect(denied.status).toBe('denied');
    const places = (await status()).get('ks_places')!;
    expect(places.badge).toBe('degraded');
    expect(places.badge_reason).toBe(`promotion of ${denied.dvid} denied (B DENY): latest_version_id stays ${project.dvids.ks_places}`);
    expect(places.current_dataset_version_id).toBe(project.dvids.ks_places);
    expect(places.last_promotion).toMatchObject({ decision: 'denied', dataset_version_id: denied.dvid, blocking_gates: [{ gate: 'B', answer: 'DENY' }] });
    const { version } = await json<{ version: { mode: string; status: string; gates: { gate: string; answer: string }[] } }>(`/api/v1/datasets/ks_places/versions/${denied.dvid}`);
    expect({ mode: version.mode, status: version.status, B: version.gates.find((g) => g.gate === 'B')?.answer }).toEqual({ mode: 'reprocess', status: 'candidate', B: 'DENY' });
  });

  it('bad options exit 2 with the reason: a bad port, a port in use, --port on another command, a positional', async () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [KFM_BIN, ...args], { cwd: project.dir, encoding: 'utf8' });
    expect(run('serve', '--port', '99999')).toMatchObject({ status: 2, stderr: 'kfm: --port needs a port number 0-65535 (got "99999")\n' });
    expect(run('serve', '--port', 'http')).toMatchObject({ status: 2, stderr: 'kfm: --port needs a port number 0-65535 (got "http")\n' });
    expect(run('status', '--port', '1')).toMatchObject({ status: 2, stderr: 'kfm: --port applies to kfm serve (not status)\n' });
    expect(run('build', '--host', '127.0.0.1')).toMatchObject({ status: 2, stderr: 'kfm: --host applies to kfm serve (not build)\n' });
    expect(run('serve', 'ks_places')).toMatchObject({ status: 2, stderr: 'kfm: usage: kfm serve [--port <n>] [--host <address>] [--json]\n' });
    const port = new URL(serve.url).port;
    const busy = run('serve', '--port', port, '--json');
    expect(busy.status).toBe(2);
    expect(busy.stderr).toBe(`kfm: port ${port} on 127.0.0.1 is in use: pick another with --port (0 picks a free one)\n`);
    expectValidReport('error', JSON.parse(busy.stdout));
  });

  it("reads the projections where the kfmfile's `projections` puts them; a kfmfile that does not load: the defaults, with a warning", async () => {
    const kfmfile = join(project.dir, 'kfmfile.ts');
    const original = readFileSync(kfmfile, 'utf8');
    const moved = original.replace(
      'export default defineKfm({ datasets: [ksCounties, ksPlaces, ksPlacesPerCounty] });',
      "export default defineKfm({ datasets: [ksCounties, ksPlaces, ksPlacesPerCounty], projections: { sqlite: { path: 'published/search.sqlite' }, tiles: { dir: 'published/tiles' } } });",
    );
    expect(moved).not.toBe(original);
    const fromDir = join(project.dir, 'projections');
    const toDir = join(project.dir, 'published');
    mkdirSync(toDir);
    renameSync(join(fromDir, 'kfm.sqlite'), join(toDir, 'search.sqlite'));
    renameSync(join(fromDir, 'tiles'), join(toDir, 'tiles'));
    writeFileSync(kfmfile, moved);
    const other = await startServe(project.dir);
    try {
      const hits = ((await (await fetch(`${other.url}/api/v1/search?q=Wichita`)).json()) as { hits: { text: string }[] }).hits;
      expect(hits.some((h) => h.text.includes('Wichita'))).toBe(true);
      expect((await fetch(`${other.url}/tiles/ks_counties.pmtiles`, { headers: { range: 'bytes=0-6' } })).status).toBe(206);
      expect(other.cli.stderr).toBe('');
    } finally {
      await other.stop();
    }
    // A kfmfile that throws: the server still starts, on the default places, and says why.
    writeFileSync(kfmfile, moved + "\nthrow new Error('broken on purpose');\n");
    const broken = await startServe(project.dir);
    try {
      const r = await fetch(`${broken.url}/api/v1/search?q=Wichita`);
      expect(r.status).toBe(404);
      expect(((await r.json()) as { message: string }).message).toContain('projections/kfm.sqlite');
      const warning = JSON.parse(broken.cli.stderr.split('\n')[0]!) as { kfm_serve_warning: string };
      expect(warning.kfm_serve_warning).toMatch(/^the kfmfile does not load \(.*broken on purpose.*\): serving projections from their default places/);
    } finally {
      await broken.stop();
      writeFileSync(kfmfile, original);
      renameSync(join(toDir, 'search.sqlite'), join(fromDir, 'kfm.sqlite'));
      renameSync(join(toDir, 'tiles'), join(fromDir, 'tiles'));
    }
  });

  it('the OpenAPI document lists every route; SIGTERM stops the server with exit 0', async () => {
    const doc = await json<{ openapi: string; paths: Record<string, unknown> }>('/api/v1/openapi.json');
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual([
      '/api/v1/lineage/status',
      '/api/v1/datasets',
      '/api/v1/datasets/{slug}',
      '/api/v1/datasets/{slug}/versions',
      '/api/v1/datasets/{slug}/versions/{dvid}',
      '/api/v1/datasets/{slug}/dag',
      '/api/v1/receipts/{which}',
      '/api/v1/evidence',
      '/api/v1/search',
      '/api/v1/datasets/{slug}/geojson',
      '/tiles/{slug}/{z}/{x}/{tile}',
      '/tiles/{archive}',
    ]);
    const ended = await serve.stop();
    expect(ended.code).toBe(0);
  });
});
