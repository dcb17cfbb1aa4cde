import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { State, STATE_SCHEMA_VERSION, type NodeResult } from '../../store/state.js';
import { REPO_ROOT } from '../support/cliRig.js';

let dir: string;
let path: string;
const open: { close(): void }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kfm-state-'));
  path = join(dir, 'state.db');
});
afterEach(() => {
  for (const db of open.splice(0)) {
    try {
      db.close();
    } catch {
      // already closed
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function state(): State {
  const s = State.open(path);
  open.push(s);
  return s;
}

function raw(): Database.Database {
  const db = new Database(path);
  open.push(db);
  return db;
}

const TABLES = ['latest', 'module_imports', 'results', 'run_nodes', 'runs', 'stat_cache', 'versions'];
const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

const digest = (c: string): Digest => `sha256:${c.repeat(64)}`;

function result(nodeId: string, key: Digest): NodeResult {
  return {
    nodeId,
    key,
    keyDoc: `{"task":"${nodeId}"}`,
    outputs: [{ name: 'o.txt', digest: digest('b'), size: 3, media_type: 'text/plain' }],
    outputsDigest: digest('c'),
    meta: { rows: 3 },
    runId: '20250101T000000Z-00000000',
    finishedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 12.6,
  };
}

describe('State', () => {
  it('creates a fresh database at the current schema version, in WAL mode', () => {
    const s = state();
    expect(s.schemaVersion).toBe(STATE_SCHEMA_VERSION);
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(tables(s.db)).toEqual(TABLES);
  });

  it('stores results by key and tracks the latest per node, across reopening', () => {
    const s = state();
    s.putResult(result('a/x', digest('1')));
    s.putResult(result('a/x', digest('2')));
    s.putResult(result('a/y', digest('3')));
    expect(s.resultByKey(digest('1'))).toEqual({ ...result('a/x', digest('1')), durationMs: 13 });
    expect(s.resultByKey(digest('9'))).toBeUndefined();
    s.setLatest('a/x', digest('1'));
    s.close();

    const again = state();
    const latest = again.latestResults();
    expect([...latest.keys()].sort()).toEqual(['a/x', 'a/y']);
    expect(latest.get('a/x')!.key).toBe(digest('1'));
    expect(latest.get('a/y')!.key).toBe(digest('3'));
  });

  it('closes runs a killed kfm left running, and only those', () => {
    const s = state();
    s.beginRun({ runId: 'r1', startedAt: '2026-01-01T00:00:00.000Z', targets: [], jobs: 1 });
    s.beginRun({ runId: 'r2', startedAt: '2026-01-01T00:00:01.000Z', targets: ['a'], jobs: 2 });
    s.endRun('r2', '2026-01-01T00:00:02.000Z', 'succeeded', []);
    expect(s.closeAbandonedRuns('2026-01-01T00:00:03.000Z')).toBe(1);
    const byId = new Map(s.runs().map((r) => [r.runId, r]));
    expect(byId.get('r1')).toMatchObject({ status: 'interrupted', endedAt: '2026-01-01T00:00:03.000Z' });
    expect(byId.get('r2')).toMatchObject({ status: 'succeeded', endedAt: '2026-01-01T00:00:02.000Z' });
    expect(s.closeAbandonedRuns('2026-01-01T00:00:04.000Z')).toBe(0);
  });

  it('migrates a version 0 database (no kfm tables yet) to the current version and keeps what was there', () => {
    const db = raw();
    db.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('kept')");
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    db.close();

    const s = state();
    expect(s.schemaVersion).toBe(STATE_SCHEMA_VERSION);
    expect(tables(s.db)).toEqual([...TABLES, 'notes'].sort());
    expect(s.db.prepare('SELECT text FROM notes').pluck().get()).toBe('kept');
    s.putResult(result('a/x', digest('1')));
    s.close();
    // Opening again is a no-op.
    expect(state().latestResults().size).toBe(1);
  });

  // Since state schema 3 the versions also carry failed_checks (NULL for older rows).
  it('migrates schema 1 versions to 2: what each was built from is kept from then on, older rows keep NULLs', () => {
    const db = raw();
    db.exec(`CREATE TABLE versions (dataset_version_id TEXT NOT NULL, dataset_slug TEXT NOT NULL, slice TEXT NOT NULL, spec_hash TEXT NOT NULL,
      inputs_digest TEXT NOT NULL, outputs_digest TEXT NOT NULL, run_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (dataset_slug, dataset_version_id))`);
    db.prepare('INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('2019.aaaaaaaa', 'ks', '2019', digest('a'), digest('b'), digest('c'), 'r1', '2026-01-01T00:00:00.000Z');
    db.pragma('user_version = 1');
    db.close();

    const s = state();
    expect(s.schemaVersion).toBe(3);
    const old = { datasetVersionId: '2019.aaaaaaaa', datasetSlug: 'ks', slice: '2019', specHash: digest('a'), inputsDigest: digest('b'), outputsDigest: digest('c'), runId: 'r1', createdAt: '2026-01-01T00:00:00.000Z' };
    expect(s.versionsOfSlice('ks', '2019')).toEqual([{ ...old, specDocument: null, taskCode: null, rawInputs: null, mode: null, modeReason: null, failedChecks: null }]);
    const next = {
      ...old,
      datasetVersionId: '2019.dddddddd',
      specHash: digest('d'),
      createdAt: '2026-01-02T00:00:00.000Z',
      specDocument: { kfm_spec_hash_version: 1, spec: {}, tasks: [] },
      taskCode: { t: [['t.ts', digest('e')]] as [string, Digest][] },
      rawInputs: [['file:a', digest('f')]] as [string, Digest][],
      mode: 'reprocess',
      modeReason: 'spec changed since 2019.aaaaaaaa',
      failedChecks: null,
    };
    s.putVersion(next);
    expect(s.versionsOfSlice('ks', '2019').map((v) => v.datasetVersionId)).toEqual(['2019.aaaaaaaa', '2019.dddddddd']);
    expect(s.version('ks', '2019.dddddddd')).toEqual(next);
    // A version is written once.
    expect(() => s.putVersion(next)).toThrow(new KfmError('state', 'version 2019.dddddddd of ks is already recorded: a version is written once'));
  });

  it('migrates schema 2 versions to 3: a quarantined version keeps its failed checks, older rows read NULL', () => {
    const db = raw();
    db.exec(`CREATE TABLE versions (dataset_version_id TEXT NOT NULL, dataset_slug TEXT NOT NULL, slice TEXT NOT NULL, spec_hash TEXT NOT NULL,
      inputs_digest TEXT NOT NULL, outputs_digest TEXT NOT NULL, run_id TEXT NOT NULL, created_at TEXT NOT NULL,
      spec_document TEXT, task_code TEXT, raw_inputs TEXT, mode TEXT, mode_reason TEXT, PRIMARY KEY (dataset_slug, dataset_version_id))`);
    db.prepare('INSERT INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)').run('2019.aaaaaaaa', 'ks', '2019', digest('a'), digest('b'), digest('c'), 'r1', '2026-01-01T00:00:00.000Z', 'new', 'no version yet');
    db.pragma('user_version = 2');
    db.close();
    const s = state();
    expect(s.schemaVersion).toBe(3);
    expect(s.version('ks', '2019.aaaaaaaa')).toMatchObject({ mode: 'new', failedChecks: null });
    const failedChecks = [{ node: 'ks/qa', name: 'geometry_valid', value: 0.9, threshold: '>= 0.999' }];
    s.putVersion({ datasetVersionId: '2019.bbbbbbbb', datasetSlug: 'ks', slice: '2019', specHash: digest('d'), inputsDigest: digest('b'), outputsDigest: digest('e'), runId: 'r2', createdAt: '2026-01-02T00:00:00.000Z', failedChecks });
    expect(s.version('ks', '2019.bbbbbbbb')!.failedChecks).toEqual(failedChecks);
  });

  it('refuses a database with a newer schema version, and leaves it alone', () => {
    const db = raw();
    db.pragma('user_version = 99');
    db.close();
    let thrown: unknown;
    try {
      state();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(KfmError);
    expect((thrown as KfmError).code).toBe('state');
    expect((thrown as KfmError).message).toBe(
      `state database ${path} has schema version 99, newer than this kfm supports (${STATE_SCHEMA_VERSION}); upgrade kfm`,
    );
    const after = raw();
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    expect(tables(after)).toEqual([]);
  });

  it('two processes opening a fresh database at once migrate it once, and both open it', async () => {
    // Hold the write lock so both children read user_version 0 and queue for the migration.
    const holder = raw();
    holder.pragma('journal_mode = WAL');
    holder.exec('BEGIN IMMEDIATE');
    const stateUrl = pathToFileURL(join(REPO_ROOT, 'dist', 'store', 'state.js')).href;
    const script = `import { State } from ${JSON.stringify(stateUrl)};
process.stdout.write('ready\\n');
try { State.open(${JSON.stringify(path)}).close(); process.stdout.write('opened\\n'); }
catch (e) { process.stdout.write('error: ' + e.message + '\\n'); }`;
    const children = [0, 1].map(() => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('ready\n')) resolve();
        }),
      );
      const done = new Promise<string>((resolve) => child.on('close', () => resolve(out)));
      return { ready, done };
    });
    await Promise.all(children.map((c) => c.ready));
    // Let both read the version and block on the lock.
    await new Promise((r) => setTimeout(r, 400));
    holder.exec('ROLLBACK');
    const outputs = await Promise.all(children.map((c) => c.done));
    expect(outputs).toEqual(['ready\nopened\n', 'ready\nopened\n']);
    expect(state().schemaVersion).toBe(STATE_SCHEMA_VERSION);
  });
});
