/**
 * Committed files hold no wall-clock value, and a fresh clone (the committed project: no
 * `.kfm/`, so a new ledger, and its own signing key) that builds versions already recorded
 * leaves git clean, and `kfm receipts verify` passes there: the registry's receipts anchors
 * name the ledger that recorded them (ledger_id), an anchor of another ledger is a notice,
 * and the clone's own ledger keeps its own anchors (`.kfm/anchors.json`), so a truncation of
 * it is still caught, as is a forged anchor claiming the clone's ledger. And a task that
 * serialises ctx.params writes the same bytes whatever order the kfmfile wrote them in.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, REPO_ROOT, RIG_POLICY, useCliRigs, type CliRig } from '../support/cliRig.js';
import { expectValidReport } from './reportSchemas.js';
import { ledgerRows, type LedgerRow } from './auditProject.js';

const newRig = useCliRigs();

const PARAMS_TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext): Promise<void> {
  await ctx.output('params.json', JSON.stringify(ctx.params), 'application/json');
}
`;

const kfmfile = (params: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [task('b', { run: './t.ts', params: ${params} })], { slice: '2019' }),
] });
`;

const registryBytes = (dir: string) => Object.fromEntries(readdirSync(`${dir}/registry`).sort().map((f) => [f, readFileSync(`${dir}/registry/${f}`, 'utf8')]));

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=kfm test', '-c', 'user.email=test@kfm.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${dir}: ${r.stderr}`);
  return r.stdout;
}

/** Drops the ledger's last `n` entries with their receipt files, as someone with write access to .kfm/ could. */
function truncateTail(rig: CliRig, n: number): LedgerRow[] {
  const rows = ledgerRows(rig);
  const dropped = rows.slice(rows.length - n);
  const db = new Database(rig.path('.kfm/ledger.db'));
  db.exec('DROP TRIGGER entries_no_delete;');
  db.prepare('DELETE FROM entries WHERE seq > ?').run(rows.length - n);
  db.close();
  for (const r of dropped) unlinkSync(rig.path(`data/catalog/${r.dataset_slug}/${r.dataset_version_id}/receipts/${r.run_id.slice('kfm://run/'.length)}.json`));
  return dropped;
}

interface VerifyJson {
  status: string;
  problems: { seq: number | null; reason: string; problem: string; path?: string }[];
  notices: { notice: string; path?: string }[];
}

async function verifyJson(rig: CliRig): Promise<{ code: number | null; report: VerifyJson }> {
  const r = await rig.run(['receipts', 'verify', '--json']);
  const report = JSON.parse(r.stdout) as VerifyJson;
  expectValidReport('receipts-verify', report as unknown as Record<string, unknown>);
  return { code: r.code, report };
}

const id8 = (hash: string) => hash.slice('sha256:'.length, 'sha256:'.length + 8);

describe('a clean clone', () => {
  it("building a recorded version leaves registry/ unchanged, and params reach tasks in canonical order", async () => {
    const first = newRig({ 'kfmfile.ts': kfmfile('{ z: 1, a: { y: [2, 1], b: true } }'), 't.ts': PARAMS_TASK });
    const built = await first.buildJson();
    expect(built.result.code).toBe(0);
    const committed = registryBytes(first.dir);
    expect(Object.keys(committed)).toEqual(['a.json']);
    expect(committed['a.json']).not.toMatch(/created_at|T[0-9]{2}:[0-9]{2}/);

    // The clone: the same sources and registry, params in another order, no .kfm/ and no data/.
    const clone = newRig({ 'kfmfile.ts': kfmfile('{ a: { b: true, y: [2, 1] }, z: 1 }'), 't.ts': PARAMS_TASK, 'registry/a.json': committed['a.json']! });
    const rebuilt = await clone.buildJson();
    expect(rebuilt.result.code).toBe(0);
    expect(rebuilt.report.versions.map((v) => v.dataset_version_id)).toEqual(built.report.versions.map((v) => v.dataset_version_id));
    expect(registryBytes(clone.dir)).toEqual(committed);
    const dvid = built.report.versions[0]!.dataset_version_id;
    const bytes = (dir: string) => readFileSync(`${dir}/data/processed/a/${dvid}/params.json`, 'utf8');
    expect(bytes(clone.dir)).toBe('{"a":{"b":true,"y":[2,1]},"z":1}');
    expect(bytes(first.dir)).toBe(bytes(clone.dir));
  });
});

const COPY_TASK = `import type { TaskContext } from 'kfm';
export default async function t(ctx: TaskContext<{ n?: number }>): Promise<void> {
  const text = (await ctx.inputs[0]!.read()).toString('utf8');
  await ctx.output('rows.txt', text.repeat(ctx.params.n ?? 1), 'text/plain');
}
`;

/** Three datasets, each one task over a declared input file; `n` is a's spec. */
const projectKfmfile = (n: number) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('a'), [task('t', { run: './t.ts', inputs: ['src/a.csv'], params: { n: ${n} } })], { slice: '2019' }),
  dataset(spec('b'), [task('t', { run: './t.ts', inputs: ['src/b.csv'] })], { slice: '2020' }),
  dataset(spec('c'), [task('t', { run: './t.ts', inputs: ['src/c.csv'] })], { slice: '2021' }),
] });
`;

/** As this repository does: the ledger, the data tree and the checkout's own trust file stay local. */
const GITIGNORE = '.kfm/\ndata/\nkfm.trust.json\n';

/**
 * A project with history, committed: a, b and c built (new), a's spec changed (a
 * reprocess), b's input changed (a backfill), a's latest promoted; then the registry with
 * every version and its anchor is committed. Returns the origin and its versions.
 */
async function recordedProject(options: { gitignore?: string } = {}): Promise<{ origin: CliRig; dvids: Record<string, string>; originLedger: string }> {
  const origin = newRig(
    { 'kfmfile.ts': projectKfmfile(1), 't.ts': COPY_TASK, 'src/a.csv': 'a\n', 'src/b.csv': 'b\n', 'src/c.csv': 'c\n', 'kfm.policy.json': RIG_POLICY, '.gitignore': options.gitignore ?? GITIGNORE },
    { trust: false },
  );
  git(origin.dir, 'init', '-q');
  git(origin.dir, 'add', '-A');
  git(origin.dir, 'commit', '-q', '-m', 'project');
  const first = await origin.buildJson(['a', 'b', 'c']);
  expect(first.result.code).toBe(0);
  origin.write({ 'kfmfile.ts': projectKfmfile(2) });
  const reprocess = await origin.buildJson(['a']);
  origin.write({ 'src/b.csv': 'b\nb2\n' });
  const backfill = await origin.buildJson(['b']);
  expect([reprocess.report.versions[0]!.mode, backfill.report.versions[0]!.mode]).toEqual(['reprocess', 'backfill']);
  const dvids = {
    a1: first.report.versions[0]!.dataset_version_id,
    a2: reprocess.report.versions[0]!.dataset_version_id,
    b1: first.report.versions[1]!.dataset_version_id,
    b2: backfill.report.versions[0]!.dataset_version_id,
    c: first.report.versions[2]!.dataset_version_id,
  };
  const promoted = await origin.run(['promote', `a@${dvids.a2}`]);
  expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
  expect((await origin.run(['receipts', 'verify'])).code).toBe(0);
  git(origin.dir, 'add', '-A');
  git(origin.dir, 'commit', '-q', '-m', 'record the versions');
  expect(git(origin.dir, 'status', '--porcelain')).toBe('');
  return { origin, dvids, originLedger: ledgerRows(origin)[0]!.entry_hash };
}

/** A fresh clone of `origin` with its own per-user signing key (another machine). */
function cloneOf(origin: CliRig): CliRig {
  const clone = newRig({}, { trust: false });
  git(clone.dir, 'clone', '-q', origin.dir, '.');
  return clone;
}

// Each test runs 10-25 CLI commands (and git): generous on a loaded machine.
const SLOW = { timeout: 240_000 };

describe('a fresh clone of a project with recorded versions', SLOW, () => {
  it('builds them with git left clean; verify passes with notices for the origin ledger; a truncation of its own ledger and a forged anchor are caught', async () => {
    const { origin, dvids, originLedger } = await recordedProject();
    const registry = JSON.parse(origin.read('registry/a.json')) as { versions: { dataset_version_id: string; receipts_anchor: { ledger_id: string; seq: number } }[] };
    expect(registry.versions.map((v) => v.receipts_anchor.ledger_id)).toEqual([originLedger, originLedger]);

    const clone = cloneOf(origin);
    // Before any build: nothing of this ledger to check, everything the origin recorded is a notice.
    const before = await verifyJson(clone);
    expect(before.code).toBe(0);
    expect(before.report.problems).toEqual([]);
    expect(before.report.notices.map((n) => n.path)).toEqual(expect.arrayContaining(['registry/a.json', 'registry/b.json', 'registry/c.json']));

    // The clone builds a and b (the recorded reprocess and backfill), not c.
    const built = await clone.buildJson(['a', 'b']);
    expect(built.result.code).toBe(0);
    expect(built.result.stderr).toContain('kfm: created kfm.trust.json pinning the signing key');
    expect(built.report.versions.map((v) => [v.dataset_version_id, v.mode])).toEqual([
      [dvids.a2, 'reprocess'],
      [dvids.b2, 'backfill'],
    ]);
    expect(git(clone.dir, 'status', '--porcelain')).toBe('');

    const rows = ledgerRows(clone);
    const cloneLedger = rows[0]!.entry_hash;
    expect(cloneLedger).not.toBe(originLedger);
    const cAnchorSeq = (JSON.parse(origin.read('registry/c.json')) as { versions: { receipts_anchor: { seq: number } }[] }).versions[0]!.receipts_anchor.seq;
    // Each version's task receipt, then its catalog receipt.
    expect(rows.map((r) => [r.seq, r.dataset_slug])).toEqual([[1, 'a'], [2, 'a'], [3, 'b'], [4, 'b']]);
    const text = await clone.run(['receipts', 'verify']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      `notice: registry/c.json: version ${dvids.c} was recorded by ledger ${id8(originLedger)} (its anchor: seq ${cAnchorSeq}); this ledger is ${id8(cloneLedger)}: not checkable here\n`,
    );
    expect(text.stdout).toContain(`notice: registry/c.json: version ${dvids.c} has no receipts in this ledger: it was not built here (build c@2021 to record them)\n`);
    expect(text.stdout).toContain(`notice: registry/a.json: version ${dvids.a2} is published, and this ledger holds no promote receipt for it: the ledger that recorded it promoted it\n`);
    expect(text.stdout).toMatch(/^receipts verified: 4 ledger entries; /m);
    const after = await verifyJson(clone);
    expect(after.code).toBe(0);
    expect(after.report.status).toBe('verified');
    expect(after.report.notices.length).toBeGreaterThanOrEqual(7);
    // The clone's own anchors, beside its ledger (never in the committed registry).
    const local = JSON.parse(clone.read('.kfm/anchors.json')) as { anchors: { dataset_slug: string; ledger_id: string; seq: number; entry_hash: string }[] };
    expect(local.anchors).toEqual([
      { dataset_slug: 'a', dataset_version_id: dvids.a2, ledger_id: cloneLedger, seq: 1, entry_hash: rows[0]!.entry_hash },
      { dataset_slug: 'b', dataset_version_id: dvids.b2, ledger_id: cloneLedger, seq: 3, entry_hash: rows[2]!.entry_hash },
    ]);

    // Building again (a retry in the clone's ledger) adds receipts and changes nothing committed.
    expect((await clone.buildJson(['a', 'b'])).result.code).toBe(0);
    expect(git(clone.dir, 'status', '--porcelain')).toBe('');
    expect(JSON.parse(clone.read('.kfm/anchors.json'))).toEqual(local);
    expect((await clone.run(['receipts', 'verify'])).code).toBe(0);

    // A forged anchor that claims the clone's ledger with a wrong hash is checked, and fails.
    const a = clone.read('registry/a.json');
    const forged = JSON.parse(a) as typeof registry;
    forged.versions[1]!.receipts_anchor = { ...forged.versions[1]!.receipts_anchor, ledger_id: cloneLedger, seq: 1, entry_hash: `sha256:${'e'.repeat(64)}` } as never;
    clone.write({ 'registry/a.json': JSON.stringify(forged, null, 2) });
    const forgedRun = await clone.run(['receipts', 'verify']);
    expect(forgedRun.code).toBe(1);
    expect(forgedRun.stdout).toContain(
      `registry/a.json: version ${dvids.a2} anchors ledger entry seq 1 as sha256:${'e'.repeat(64)}, but the ledger's seq 1 is ${cloneLedger}: the ledger was rewritten`,
    );
    // An anchor without ledger_id (written before ledgers were named) is the local ledger's, as before.
    delete (forged.versions[1]!.receipts_anchor as { ledger_id?: string }).ledger_id;
    forged.versions[1]!.receipts_anchor.seq = 9;
    clone.write({ 'registry/a.json': JSON.stringify(forged, null, 2) });
    const legacy = await verifyJson(clone);
    expect(legacy.code).toBe(1);
    // (and so is what it vouches for: the promotion of a version this ledger did not promote.)
    expect(legacy.report.problems.map((p) => [p.reason, p.problem])).toEqual([
      ['registry-mismatch', `registry/a.json: version ${dvids.a2} is published, but the ledger holds no promote receipt for it`],
      ['anchor-missing', `registry/a.json: version ${dvids.a2} anchors ledger entry seq 9 (sha256:${'e'.repeat(64)}), but the ledger ends at seq 6: entries were truncated`],
      ['registry-mismatch', `registry/a.json: latest_version_id is ${dvids.a2}, but the ledger holds no promotion of a`],
    ]);
    git(clone.dir, 'checkout', '--', 'registry/a.json');
    expect((await clone.run(['receipts', 'verify'])).code).toBe(0);

    // Truncating the clone's ledger tail (seq 3-6: b's first receipt, its catalog receipt and
    // the retry's, with their files) is caught by its own anchors, though the committed ones
    // name the origin.
    expect(ledgerRows(clone).map((r) => [r.seq, r.dataset_slug])).toEqual([[1, 'a'], [2, 'a'], [3, 'b'], [4, 'b'], [5, 'a'], [6, 'b']]);
    const [dropped] = truncateTail(clone, 4);
    const truncated = await verifyJson(clone);
    expect(truncated.code).toBe(1);
    expect(truncated.report.problems).toContainEqual({
      seq: null,
      reason: 'anchor-missing',
      problem: `.kfm/anchors.json: b version ${dvids.b2} anchors ledger entry seq 3 (${dropped!.entry_hash}), but the ledger ends at seq 2: entries were truncated`,
      path: '.kfm/anchors.json',
    });
  });

  it('a clone whose inputs differ from a recorded version names a backfill of it, never the recorded dvid', async () => {
    const { origin, dvids } = await recordedProject();
    const clone = cloneOf(origin);
    clone.write({ 'src/c.csv': 'c\nchanged in the clone\n' });
    const built = await clone.buildJson(['c']);
    expect(built.result.code).toBe(0);
    const v = built.report.versions[0]!;
    expect(v.mode).toBe('backfill');
    expect(v.dataset_version_id).not.toBe(dvids.c);
    expect(v.dataset_version_id.startsWith(`${dvids.c}.`)).toBe(true);
    expect(git(clone.dir, 'status', '--porcelain')).toBe(' M registry/c.json\n M src/c.csv\n');
    const registry = JSON.parse(clone.read('registry/c.json')) as { versions: { dataset_version_id: string; mode: string }[] };
    expect(registry.versions.map((x) => [x.dataset_version_id, x.mode])).toEqual([
      [dvids.c, 'new'],
      [v.dataset_version_id, 'backfill'],
    ]);
    expect((await clone.run(['receipts', 'verify'])).code).toBe(0);
  });

  it('a clone whose committed kfm.trust.json does not pin its key: the build warns, verify names the key and the command that pins it', async () => {
    const { origin } = await recordedProject({ gitignore: '.kfm/\ndata/\n' });
    expect(git(origin.dir, 'ls-files', 'kfm.trust.json')).toBe('kfm.trust.json\n');
    const clone = cloneOf(origin);
    const built = await clone.buildJson(['c']);
    expect(built.result.code).toBe(0);
    expect(built.result.stderr).toMatch(/kfm: warning: the signing key (sha256:[0-9a-f]{64}) is not pinned in kfm.trust.json/);
    const keyid = /the signing key (sha256:[0-9a-f]{64}) is not pinned/.exec(built.result.stderr)![1]!;
    const pub = `.kfm/keys/${keyid.slice('sha256:'.length)}.pub.pem`;
    const r = await clone.run(['receipts', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`seq 1: envelope signed by an unknown key ${keyid} (not pinned in kfm.trust.json)\n`);
    expect(r.stdout).toContain(
      `notice: kfm.trust.json: the key ${keyid} signed 2 entries but is not pinned; if it is this checkout's key, pin it with kfm receipts trust add ${pub} (then commit kfm.trust.json)\n`,
    );
    expect((await clone.run(['receipts', 'trust', 'add', pub, 'the clone'])).code).toBe(0);
    expect((await clone.run(['receipts', 'verify'])).code).toBe(0);
    expect(git(clone.dir, 'status', '--porcelain')).toBe(' M kfm.trust.json\n');
  });
});

describe("this repository's own pipeline, cloned", SLOW, () => {
  it('a clone builds with bin/kfm.js (no npm), and a clone of that clone with its versions recorded leaves git clean and verifies', async () => {
    const recorded = (dir: string) =>
      readdirSync(join(dir, 'registry')).some((f) => (JSON.parse(readFileSync(join(dir, 'registry', f), 'utf8')) as { versions: unknown[] }).versions.length > 0);
    // The committed HEAD (no .kfm/, no data/), with node_modules linked in (ignored by git), not installed.
    const first = newRig({}, { trust: false });
    git(first.dir, 'clone', '-q', REPO_ROOT, '.');
    symlinkSync(join(REPO_ROOT, 'node_modules'), first.path('node_modules'));
    const wasRecorded = recorded(first.dir);
    const built = await first.run(['build'], { timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    expect((await first.run(['receipts', 'verify'])).code).toBe(0);
    const status = git(first.dir, 'status', '--porcelain');
    if (wasRecorded) {
      // The registry carries the Kansas versions: the clone rebuilt them and changed nothing.
      expect(status, 'registry/*.json does not record the versions kfmfile.ts builds now: record them (README "Fresh clones")').toBe('');
    } else {
      // It does not: the first build recorded them, and only the registry changed (kfm.trust.json is ignored).
      expect(status.split('\n').filter(Boolean).sort()).toEqual([' M registry/ks_counties.json', ' M registry/ks_places.json', ' M registry/ks_places_per_county.json']);
      git(first.dir, 'commit', '-q', '-am', 'record the Kansas versions');
    }
    const second = newRig({}, { trust: false });
    git(second.dir, 'clone', '-q', first.dir, '.');
    symlinkSync(join(REPO_ROOT, 'node_modules'), second.path('node_modules'));
    const rebuilt = await second.run(['build'], { timeoutMs: 120_000 });
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(git(second.dir, 'status', '--porcelain')).toBe('');
    const verified = await second.run(['receipts', 'verify']);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toContain(`notice: registry/ks_counties.json: version `);
  });
});

describe('a damaged .kfm/anchors.json', SLOW, () => {
  it('fails verify naming the file, and a build refuses to sign (exit 1) until it is restored or moved aside', async () => {
    const { origin } = await recordedProject();
    const clone = cloneOf(origin);
    expect((await clone.buildJson(['c'])).result.code).toBe(0);
    const good = clone.read('.kfm/anchors.json');
    clone.write({ '.kfm/anchors.json': 'garbage' });
    const r = await clone.run(['receipts', 'verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\.kfm\/anchors\.json is not JSON \(Unexpected token .*\): it holds this ledger's own receipts anchors; restore it, or move it aside to build without them\n/m);
    const rows = ledgerRows(clone).length;
    const b = await clone.run(['build', 'b']);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`kfm: ${clone.path('.kfm/anchors.json')} is not JSON`);
    expect(b.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(ledgerRows(clone)).toHaveLength(rows);
    clone.write({ '.kfm/anchors.json': good });
    expect((await clone.buildJson(['b'])).result.code).toBe(0);
    expect((await clone.run(['receipts', 'verify'])).code).toBe(0);
  });
});
