/**
 * The issue's "done when", on the project's own Kansas pipeline in a copy of the project
 * (kfmfile.ts and tasks/, node_modules linked): building ks_counties@2017 twice gives one
 * version and a retry; a QA threshold edit gives a reprocess (and `kfm check` names the
 * field until `--update`); new upstream bytes give a backfill with a third-part version id;
 * earlier versions' bytes and receipts never change; `kfm receipts verify` passes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';

const kfm = join(REPO_ROOT, 'bin', 'kfm.js');

interface Version {
  dataset_slug: string;
  dataset_version_id: string;
  spec_hash: string;
  mode: string;
  mode_reason: string;
  created: boolean;
  receipts: string[];
}

describe('versions of the Kansas pipeline', () => {
  let dir: string;
  let config: string;

  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [kfm, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, XDG_CONFIG_HOME: config } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const build = (...args: string[]): { code: number | null; version: Version } => {
    const r = run('build', '--json', ...args);
    const report = JSON.parse(r.stdout) as { versions: Version[]; errors: string[] };
    expectValidReport('build', report);
    expect(report.errors).toEqual([]);
    return { code: r.code, version: report.versions[0]! };
  };
  /** Every file under data/: path → sha256 of its bytes. */
  const data = (): Map<string, string> => {
    const root = join(dir, 'data');
    const out = new Map<string, string>();
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else out.set(relative(root, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
      }
    };
    walk(root);
    return out;
  };
  const edit = (file: string, from: string, to: string) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text.includes(from), `${file} contains ${from}`).toBe(true);
    writeFileSync(join(dir, file), text.replace(from, to));
  };

  beforeAll(() => {
    mkdirSync(join(REPO_ROOT, '.kfm-test'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'kansas-versions-'));
    config = mkdtempSync(join(REPO_ROOT, '.kfm-test', 'config-'));
    cpSync(join(REPO_ROOT, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
    cpSync(join(REPO_ROOT, 'tasks'), join(dir, 'tasks'), { recursive: true });
    cpSync(join(REPO_ROOT, 'kfm.policy.json'), join(dir, 'kfm.policy.json'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  });

  it('retry, reprocess, backfill; check and verify', () => {
    const first = build('ks_counties@2017');
    expect(first.code).toBe(0);
    expect(first.version).toMatchObject({ mode: 'new', created: true });
    const v1 = first.version.dataset_version_id;
    expect(v1).toMatch(/^2017\.[0-9a-f]{8}$/);

    const second = build('ks_counties@2017');
    expect(second.code).toBe(0);
    expect(second.version).toMatchObject({ dataset_version_id: v1, mode: 'retry', created: false, mode_reason: 'same spec and raw inputs' });
    const afterRetry = data();
    expect([...afterRetry.keys()].filter((p) => p.startsWith(`catalog/ks_counties/${v1}/receipts/`))).toHaveLength(5);

    // The receipts: one per node (ingest, transform, qa), each naming the project's commit.
    const receipt = (runId: string) => {
      const file = join(dir, 'data/catalog/ks_counties', v1, 'receipts', `${runId.slice('kfm://run/'.length)}.json`);
      const envelope = JSON.parse(readFileSync(file, 'utf8')) as { payload: string };
      return (JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: Record<string, unknown> }).predicate;
    };
    const receipts = first.version.receipts.map(receipt);
    expect(receipts.map((r) => r.operation)).toEqual(['ingest', 'transform', 'qa']);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
    for (const r of receipts) expect((r.environment as { git_commit: string }).git_commit).toBe(head);
    // The retry ran nothing: one retry receipt names the three nodes with the keys their results stood under, and every output.
    expect(second.version.receipts).toHaveLength(1);
    const retried = receipt(second.version.receipts[0]!);
    expect(retried).toMatchObject({ operation: 'retry', mode: 'retry', validation: receipts[2]!.validation });
    expect(retried.cached_nodes).toEqual(receipts.map((r) => ({ node: r.node, node_key: r.node_key, operation: r.operation })));
    expect(retried.outputs).toEqual(receipts.flatMap((r) => r.outputs as unknown[]));
    expect(receipts[0]!.ingest).toEqual({
      http_status: null,
      etag_sent: null,
      etag_received: null,
      last_modified_sent: null,
      last_modified_received: null,
      decision: 'materialize',
      prior_digest: null,
    });
    expect(receipts[2]!.validation).toMatchObject({
      status: 'pass',
      reports: [
        { name: 'required_fields_present', status: 'pass', value: 1 },
        { name: 'geometry_valid', status: 'pass', value: 1 },
        { name: 'duplicate_rate', status: 'pass', value: 0 },
        { name: 'feature_count', status: 'pass', value: 105 },
        { name: 'bbox_inside', status: 'pass', value: 1 },
      ],
    });
    expect(run('receipts', 'verify')).toMatchObject({ code: 0, stderr: '' });

    // kfm check: register everything, then a QA threshold edit drifts, naming the field.
    expect(run('check', '--update').code).toBe(0);
    // Reads the kfmfile and the task code only: the same answer every time. (Its speed is
    // measured by `npm run bench`, never asserted here.)
    for (let i = 0; i < 3; i++) {
      expect(run('check')).toMatchObject({ code: 0, stdout: expect.stringMatching(/\ncheck: 3 clean \(3 datasets\)\n$/) });
    }

    edit('kfmfile.ts', "validation: checks('== 105'),", "validation: checks('>= 105'),");
    const drift = run('check');
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/^drifted {8}ks_counties \(registry\/ks_counties\.json: sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}\)\n/);
    expect(drift.stdout).toContain('\n  /spec/validation/checks/3/threshold: "== 105" → ">= 105"\n  /tasks/1/params/checks/3/threshold: "== 105" → ">= 105"\n');
    expect(run('check', '--update').code).toBe(0);
    expect(run('check').code).toBe(0);

    const third = build('ks_counties@2017', '--expect', 'reprocess');
    expect(third.code).toBe(0);
    const v2 = third.version.dataset_version_id;
    expect(v2).not.toBe(v1);
    expect(v2).toBe(`2017.${third.version.spec_hash.slice(7, 15)}`);
    expect(third.version.mode_reason).toBe(
      `spec changed since ${v1}: /spec/validation/checks/3/threshold: "== 105" → ">= 105", /tasks/1/params/checks/3/threshold: "== 105" → ">= 105"`,
    );

    // Upstream bytes: the ingest reads a copy of the source (a spec change: a reprocess), then the copy's bytes change (a backfill).
    mkdirSync(join(dir, 'upstream'));
    cpSync(join(REPO_ROOT, 'node_modules/us-atlas/counties-10m.json'), join(dir, 'upstream/counties-10m.json'));
    edit('kfmfile.ts', "source: 'file:node_modules/us-atlas/counties-10m.json',", "source: 'file:upstream/counties-10m.json',");
    const fourth = build('ks_counties@2017');
    expect(fourth.version).toMatchObject({ mode: 'reprocess', created: true });
    expect(fourth.version.mode_reason).toContain('/tasks/0/params/source: "file:node_modules/us-atlas/counties-10m.json" → "file:upstream/counties-10m.json"');
    const v3 = fourth.version.dataset_version_id;
    const before = data();

    edit('upstream/counties-10m.json', '"id":"20001","properties":{"name":"Allen"}', '"id":"20001","properties":{"name":"Allen County"}');
    expect(run('build', '--expect', 'retry', 'ks_counties@2017').code).toBe(1);
    expect(data()).toEqual(before);
    const fifth = build('ks_counties@2017', '--expect', 'backfill');
    expect(fifth.code).toBe(0);
    expect(fifth.version).toMatchObject({ mode: 'backfill', created: true, spec_hash: fourth.version.spec_hash });
    const v4 = fifth.version.dataset_version_id;
    expect(v4).toMatch(new RegExp(`^${v3.replace('.', '\\.')}\\.[0-9a-f]{8}$`));
    expect(fifth.version.mode_reason).toMatch(new RegExp(`^raw inputs changed since ${v3.replace('.', '\\.')} \\(same spec\\): file:upstream/counties-10m\\.json sha256:[0-9a-f]{12} → sha256:[0-9a-f]{12}, `));
    const counties = JSON.parse(readFileSync(join(dir, 'data/processed/ks_counties', v4, 'ks_counties.geojson'), 'utf8')) as { features: { properties: { name: string } }[] };
    expect(counties.features.some((f) => f.properties.name === 'Allen County')).toBe(true);

    // Nothing behind an earlier version changed: every file seen before is still there, byte for byte.
    const end = data();
    for (const [path, digest] of afterRetry) expect(end.get(path), path).toBe(digest);
    for (const [path, digest] of before) expect(end.get(path), path).toBe(digest);

    type Status = { datasets: { versions: { dataset_version_id: string; mode: string; status: string; receipts: number }[]; latest_version_id: string | null }[] };
    const status = JSON.parse(run('status', '--json', 'ks_counties').stdout) as Status;
    expectValidReport('status', status);
    // Five builds, four candidates, nothing published: builds never move latest_version_id.
    expect(status.datasets[0]!.versions.map((v) => [v.dataset_version_id, v.mode, v.status, v.receipts])).toEqual([
      // Each version's task receipts and its catalog receipt (v1's retry adds one retry receipt: no node ran).
      [v1, 'new', 'candidate', 5],
      [v2, 'reprocess', 'candidate', 4],
      [v3, 'reprocess', 'candidate', 4],
      [v4, 'backfill', 'candidate', 4],
    ]);
    expect(status.datasets[0]!.latest_version_id).toBeNull();
    expect(run('receipts', 'verify')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^receipts verified: 17 ledger entries; /) });

    // Promoting the backfill (built from the current spec) passes every gate and publishes it, with a signed promote receipt.
    const promoted = run('promote', `ks_counties@${v4}`);
    expect(promoted).toMatchObject({ code: 0, stderr: '' });
    expect(promoted.stdout).toContain(`promoted ks_counties@${v4} (candidate → published): latest_version_id none → ${v4} in registry/ks_counties.json\n`);
    const after = JSON.parse(run('status', '--json', 'ks_counties').stdout) as Status;
    expect(after.datasets[0]!.latest_version_id).toBe(v4);
    expect(after.datasets[0]!.versions.map((v) => [v.status, v.receipts])).toEqual([
      ['candidate', 5],
      ['candidate', 4],
      ['candidate', 4],
      ['published', 5],
    ]);
    expect(run('receipts', 'verify')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^receipts verified: 18 ledger entries; /) });
  });
});
