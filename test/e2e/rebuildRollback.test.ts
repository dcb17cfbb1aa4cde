/**
 * Runbook procedures D and E through the real CLI on the real Kansas pipeline, embedded
 * targets only (SQLite with its FTS5 search, MBTiles and PMTiles): `kfm rebuild` loads a
 * promoted version from its catalog, checks it, signs a rebuild receipt and skips what is
 * current; `--check` names a row deleted and an archive replaced by hand; `kfm rollback`
 * supersedes a version and swaps every projection while a reader, querying in a loop,
 * never sees two versions at once; the build's kfm:project stage keeps the latest
 * published version current.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvidenceRef } from '../../stages/projections/evidenceRef.js';
import { readPmtilesFacts } from '../../stages/projections/tiles/readArchiveMetadata.js';
import { buildKansasProject, REPO, type KansasProject } from '../support/kansasProject.js';
import { reprocessKansasPlaces } from '../support/reprocessKansasPlaces.js';
import { expectValidReport } from './reportSchemas.js';

const KFM = join(REPO, 'bin', 'kfm.js');
const ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('kfm rebuild and kfm rollback (runbook D and E)', () => {
  let project: KansasProject;
  const kfm = (args: string[]): Run => {
    const r = spawnSync(process.execPath, [KFM, ...args], { cwd: project.dir, encoding: 'utf8', env: ENV });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const json = <T>(args: string[], status = 0): T => {
    const r = kfm([...args, '--json']);
    expect(r.status, r.stderr).toBe(status);
    return JSON.parse(r.stdout) as T;
  };
  const db = () => new Database(join(project.dir, 'projections', 'kfm.sqlite'), { readonly: true });
  const ledgerOps = () => (json<{ entries: { operation: string; dataset_slug: string; dataset_version_id: string }[] }>(['log']).entries ?? []).map((e) => `${e.operation} ${e.dataset_slug}@${e.dataset_version_id}`);

  beforeAll(() => {
    project = buildKansasProject();
  });
  afterAll(() => project?.remove());

  it('rebuilds a version from its catalog into sqlite, search and tiles, signs a rebuild receipt, then skips what is current', () => {
    const dvid = project.dvids.ks_places_per_county;
    const report = json<{ status: string; outcomes: { target: string; status: string; feature_count: number | null; current_version_id: string }[]; receipt: { seq: number } }>(['rebuild', `ks_places_per_county@${dvid}`, '--targets', 'sqlite,search,tiles']);
    expectValidReport('rebuild', report);
    expect(report.status).toBe('rebuilt');
    expect(report.outcomes.map((o) => [o.target, o.status, o.feature_count, o.current_version_id])).toEqual([
      ['sqlite', 'loaded', 105, dvid],
      ['tiles', 'loaded', 105, dvid],
    ]);
    expect(ledgerOps()).toContain(`rebuild ks_places_per_county@${dvid}`);
    // Again: every target is as kfm left it with this key: nothing read, nothing signed.
    const entries = ledgerOps().length;
    const again = json<{ status: string; outcomes: { status: string; feature_count: number | null }[]; receipt: null }>(['rebuild', 'ks_places_per_county', '--targets', 'sqlite,search,tiles']);
    expectValidReport('rebuild', again);
    expect([again.status, again.receipt]).toEqual(['current', null]);
    expect(again.outcomes.map((o) => [o.status, o.feature_count])).toEqual([
      ['cached', null],
      ['cached', null],
    ]);
    expect(ledgerOps()).toHaveLength(entries);
    const plain = kfm(['rebuild', 'ks_places_per_county']);
    expect([plain.status, plain.stdout]).toEqual([0, `current  ks_places_per_county@${dvid}: sqlite, tiles hold it as kfm left them (same key, same files): nothing rebuilt, no receipt (--force checks in full)\n`]);
    // --force checks in full (nothing differs: unchanged) and signs the receipt.
    const forced = json<{ status: string; outcomes: { status: string; feature_count: number | null }[]; receipt: { seq: number } }>(['rebuild', 'ks_places_per_county', '--force']);
    expect(forced.status).toBe('rebuilt');
    expect(forced.outcomes.map((o) => [o.status, o.feature_count])).toEqual([
      ['unchanged', 105],
      ['unchanged', 105],
    ]);
    expect(forced.receipt.seq).toBe(report.receipt.seq + 1);
    expect(kfm(['receipts', 'verify']).status).toBe(0);
  });

  it('answers the README FTS5 query for "Wichita" with rows whose evidence_ref resolves to the feature', async () => {
    const d = db();
    try {
      // The README's query, verbatim.
      const rows = d
        .prepare(
          "SELECT s.dataset_slug, s.dataset_version_id, s.evidence_ref, s.text FROM search s JOIN datasets d ON d.dataset_slug = s.dataset_slug AND d.latest_version_id = s.dataset_version_id WHERE search MATCH 'Wichita'",
        )
        .all() as { dataset_slug: string; dataset_version_id: string; evidence_ref: string; text: string }[];
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const row of rows) {
        expect(row.dataset_slug).toBe('ks_places_per_county');
        const ref = parseEvidenceRef(row.evidence_ref)!;
        const feature = (JSON.parse((await project.store.get(ref.digest)).toString('utf8')) as { features: { properties: Record<string, unknown> }[] }).features[ref.index]!;
        expect(row.text).toContain(String(feature.properties.county_name ?? feature.properties.name));
        expect(row.text).toContain('Wichita');
      }
    } finally {
      d.close();
    }
  });

  it('--check names a row deleted by hand and a tile archive replaced, exits 1, writes nothing; a rebuild restores both', () => {
    const dvid = project.dvids.ks_places_per_county;
    const w = new Database(join(project.dir, 'projections', 'kfm.sqlite'));
    w.prepare('DELETE FROM features WHERE fid = (SELECT min(fid) FROM features WHERE dataset_slug = ?)').run('ks_places_per_county');
    w.close();
    // The projected archive replaced by other bytes: its last tile byte changed.
    const archive = join(project.dir, 'projections', 'tiles', 'ks_places_per_county.pmtiles');
    const bytes = readFileSync(archive);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(archive, bytes);
    const before = ledgerOps().length;
    const check = kfm(['rebuild', 'ks_places_per_county', '--check']);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(`drifted  sqlite: ks_places_per_county@${dvid}: 104 feature rows, the version has 105\n`);
    expect(check.stdout).toMatch(/drifted {2}tiles: .*ks_places_per_county\.pmtiles/);
    expect(check.stdout).toContain(`check ks_places_per_county@${dvid}: 2 targets drifted: kfm rebuild ks_places_per_county@${dvid} reloads them\n`);
    const report = json<{ status: string }>(['rebuild', 'ks_places_per_county', '--check'], 1);
    expectValidReport('rebuild', report);
    expect(report.status).toBe('drifted');
    expect(ledgerOps()).toHaveLength(before);
    const fixed = json<{ outcomes: { target: string; status: string }[] }>(['rebuild', 'ks_places_per_county']);
    expect(fixed.outcomes.map((o) => [o.target, o.status])).toEqual([
      ['sqlite', 'loaded'],
      ['tiles', 'loaded'],
    ]);
    expect(kfm(['rebuild', 'ks_places_per_county', '--check']).status).toBe(0);
  });

  it('rolls ks_places back while a reader queries in a loop: one version at every read, the bad one superseded, nothing deleted', async () => {
    const good = project.dvids.ks_places;
    expect(json<{ status: string }>(['rebuild', 'ks_places']).status).toBe('rebuilt');
    const bad = reprocessKansasPlaces(project);
    expect(json<{ outcomes: { current_version_id: string }[] }>(['rebuild', 'ks_places']).outcomes.map((o) => o.current_version_id)).toEqual([bad, bad]);

    const reader = db();
    const pmtiles = join(project.dir, 'projections', 'tiles', 'ks_places.pmtiles');
    const seen: string[] = [];
    const read = () => {
      const rows = reader.prepare("SELECT dataset_version_id AS v, count(*) AS n FROM current_features WHERE dataset_slug = 'ks_places' GROUP BY 1").all() as { v: string; n: number }[];
      const hits = reader.prepare("SELECT DISTINCT dataset_version_id AS v FROM search WHERE search MATCH 'Wichita' AND dataset_slug = 'ks_places' AND dataset_version_id = (SELECT latest_version_id FROM datasets WHERE dataset_slug = 'ks_places')").all() as { v: string }[];
      expect(rows, 'a read saw more than one version').toHaveLength(1);
      expect(rows[0]!.n).toBe(216);
      expect(hits.map((h) => h.v)).toEqual([rows[0]!.v]);
      const archive = readPmtilesFacts(pmtiles).dataset_version_id;
      expect([good, bad]).toContain(archive);
      seen.push(rows[0]!.v);
    };
    const child = spawn(process.execPath, [KFM, 'rollback', 'ks_places', '--to', good, '--reason', 'the reprocessed attribution is wrong', '--role', 'steward', '--json'], { cwd: project.dir, env: ENV });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      read();
      await new Promise((r) => setImmediate(r));
    }
    expect(await exited).toBe(0);
    read();
    reader.close();
    expect(seen[0]).toBe(bad);
    expect(seen[seen.length - 1]).toBe(good);
    // Once swapped, it stays swapped: the reads are bad…bad, good…good.
    expect(seen.indexOf(good)).toBeGreaterThan(0);
    expect(seen.slice(seen.indexOf(good)).every((v) => v === good)).toBe(true);

    const report = JSON.parse(stdout) as { from: string; to: string; targets: { target: string; from: string; to: string }[]; decision_id: string };
    expectValidReport('rollback', report);
    expect(report).toMatchObject({ from: bad, to: good });
    expect(report.targets.map((t) => [t.target, t.from, t.to])).toEqual([
      ['sqlite', bad, good],
      ['tiles', bad, good],
    ]);
    const registry = JSON.parse(readFileSync(join(project.dir, 'registry', 'ks_places.json'), 'utf8')) as { latest_version_id: string; versions: { dataset_version_id: string; status: string }[] };
    expect(registry.latest_version_id).toBe(good);
    expect(registry.versions.map((v) => [v.dataset_version_id, v.status])).toEqual([
      [good, 'published'],
      [bad, 'superseded'],
    ]);
    expect(readPmtilesFacts(pmtiles).dataset_version_id).toBe(good);
    // Nothing deleted: the bad version's rows, catalog and receipts are still there.
    const d = db();
    expect((d.prepare('SELECT count(*) AS n FROM features WHERE dataset_version_id = ?').get(bad) as { n: number }).n).toBe(216);
    d.close();
    expect(readFileSync(join(project.dir, 'data', 'catalog', 'ks_places', bad, 'dcat.jsonld'), 'utf8')).toContain(bad);
    const show = json<{ statement: { predicate: unknown } }>(['receipts', 'show', String(json<{ entries: unknown[] }>(['log']).entries.length)]);
    expect(show.statement.predicate).toMatchObject({ operation: 'rollback', mode: 'rollback', actor: { role: 'steward' }, environment: { parameters: { from: bad, reason: 'the reprocessed attribution is wrong' } } });
    expect(kfm(['receipts', 'verify']).status).toBe(0);
    expect(kfm(['rebuild', 'ks_places', '--check']).status).toBe(0);
  });

  it('refuses a rollback to a version that is superseded, never promoted or unknown, and one without a reason; a superseded version cannot be promoted again', () => {
    const registry = JSON.parse(readFileSync(join(project.dir, 'registry', 'ks_places.json'), 'utf8')) as { versions: { dataset_version_id: string; status: string }[] };
    const bad = registry.versions.find((v) => v.status === 'superseded')!.dataset_version_id;
    const refused = kfm(['rollback', 'ks_places', '--to', bad, '--reason', 'x']);
    expect([refused.status, refused.stderr]).toEqual([1, `kfm: cannot roll ks_places back to ${bad}: it was withdrawn by an earlier rollback (superseded)\n`]);
    const latest = kfm(['rollback', 'ks_places', '--to', project.dvids.ks_places, '--reason', 'x']);
    expect([latest.status, latest.stderr]).toEqual([2, `kfm: ks_places@${project.dvids.ks_places} is already the latest version: roll back to an earlier published one\n`]);
    const unknown = kfm(['rollback', 'ks_places', '--to', '2017.00000000', '--reason', 'x']);
    expect([unknown.status, unknown.stderr]).toEqual([2, 'kfm: registry/ks_places.json lists no version 2017.00000000 of ks_places\n']);
    const noReason = kfm(['rollback', 'ks_places', '--to', project.dvids.ks_places]);
    expect([noReason.status, noReason.stderr]).toEqual([2, 'kfm: kfm rollback needs --reason "<why the version is withdrawn>": the decision records it\n']);
    const promote = kfm(['promote', `ks_places@${bad}`]);
    expect(promote.status).toBe(2);
    expect(promote.stderr).toContain('is superseded');
    // A candidate: make one by hand-editing nothing; the registry of ks_counties has only its published version.
    const nothing = kfm(['rollback', 'ks_counties', '--to', project.dvids.ks_counties, '--reason', 'x']);
    expect(nothing.status).toBe(2);
    const rebuildCandidate = kfm(['rebuild', `ks_places@${bad}`]);
    expect([rebuildCandidate.status, rebuildCandidate.stderr]).toEqual([2, `kfm: ks_places@${bad} is superseded: only promoted (published) versions are projected\n`]);
  });

  it('keeps the latest published versions current from kfm build when the kfmfile declares projections.targets', () => {
    type Stage = { stage: string; status: string; reason: string };
    // No projections declared: the stage is not part of the build at all.
    const before = json<{ versions: { stages: Stage[] }[] }>(['build']);
    expect(before.versions.map((v) => v.stages.map((s) => s.stage))).toEqual([['kfm:catalog'], ['kfm:catalog'], ['kfm:catalog']]);
    const file = join(project.dir, 'kfmfile.ts');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/export default defineKfm\(\{ datasets: \[([^\]]*)\] \}\);/, "export default defineKfm({ datasets: [$1], projections: { targets: ['sqlite', 'search', 'tiles'] } });"));
    expect(readFileSync(file, 'utf8')).toContain("projections: { targets: ['sqlite', 'search', 'tiles'] }");
    const stages = (r: { versions: { dataset_slug: string; stages: Stage[] }[] }) =>
      Object.fromEntries(r.versions.map((v) => [v.dataset_slug, ((s) => (s.status === 'executed' ? `executed: ${s.reason}` : s.status))(v.stages.find((s) => s.stage === 'kfm:project')!)]));
    const first = json<{ versions: { dataset_slug: string; stages: Stage[] }[] }>(['build']);
    expectValidReport('build', first);
    // ks_counties was never rebuilt: loaded now; the other two are current already.
    expect(stages(first)).toEqual({ ks_counties: `executed: projected ks_counties@${project.dvids.ks_counties}: sqlite loaded, tiles loaded`, ks_places: 'cached', ks_places_per_county: 'cached' });
    const second = json<{ versions: { dataset_slug: string; stages: Stage[] }[] }>(['build']);
    expect(stages(second)).toEqual({ ks_counties: 'cached', ks_places: 'cached', ks_places_per_county: 'cached' });
    const plain = kfm(['build', '--reporter', 'plain']);
    expect(plain.stdout).toContain(`project  ks_counties: ks_counties@${project.dvids.ks_counties} is current in sqlite, tiles\n`);
    expect(kfm(['receipts', 'verify']).status).toBe(0);
  });
});
