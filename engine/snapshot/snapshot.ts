import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RACY_MARGIN_MS } from '../keys/fileHasher.js';
import { KEY_FORMAT_VERSION } from '../keys/nodeKey.js';

/**
 * A snapshot: everything a no-op build of some targets depends on, written after a
 * successful build so that the next one can prove, with a stat of each file and one
 * directory listing of the store, that nothing changed, without loading the kfmfile,
 * hashing a file or reading the state database. Any doubt (a file changed or too recent to
 * trust, an object gone, another kfm or key format, another environment) falls back to a
 * full build, which is always correct. Versioned targets (a slice) never take this path:
 * their builds record versions and receipts.
 */
export const SNAPSHOT_VERSION = 2;

export interface Snapshot {
  kfm_snapshot_version: number;
  /** kfm's version and key format: another kfm means another engine. */
  engine: string;
  /** Digest of the environment the kfmfile was loaded in (it may read variables). */
  env: string;
  /** Identity of the state database the results live in (a recreated one invalidates). */
  state: [number, number];
  targets: string[];
  /** [path, dev, ino, size, mtimeMs, ctimeMs, observedAt]: the kfmfile and its local imports, task code, inputs. */
  files: [string, number, number, number, number, number, number][];
  /** [path, dev, ino, mtimeMs, ctimeMs]: directories that input globs read. */
  dirs: [string, number, number, number, number][];
  /** Hex digests of every output object. */
  objects: string[];
  /** [shard, dev, ino, mtimeMs, ctimeMs] of each store shard directory holding one. */
  shards: [string, number, number, number, number][];
  /** [node id, key] of every node in scope. */
  nodes: [string, string][];
}

/** Environment variables that change without changing anything a kfmfile could mean. */
const VOLATILE_ENV = new Set(['_', 'OLDPWD', 'SHLVL', 'COLUMNS', 'LINES', 'TERM_SESSION_ID', 'WINDOWID', 'SSH_AUTH_SOCK', 'SSH_AGENT_PID']);

export function environmentDigest(env: NodeJS.ProcessEnv = process.env): string {
  const h = createHash('sha256');
  for (const k of Object.keys(env).sort()) {
    if (VOLATILE_ENV.has(k)) continue;
    h.update(k).update('\0').update(env[k] ?? '').update('\0');
  }
  return h.digest('hex');
}

export function engineId(kfmVersion: string): string {
  return `${kfmVersion}/key-${KEY_FORMAT_VERSION}/snapshot-${SNAPSHOT_VERSION}`;
}

export function snapshotPath(kfmDir: string, targets: string[]): string {
  const id = createHash('sha256').update(JSON.stringify([...targets].sort())).digest('hex').slice(0, 16);
  return join(kfmDir, 'snapshots', `${id}.json`);
}

export function writeSnapshot(path: string, snapshot: Snapshot): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(snapshot));
  renameSync(tmp, path);
}

/** The stat of a file as a snapshot row, if it can be trusted (older than `observedAt` by the racy margin). */
export function fileRow(path: string, observedAt: number): Snapshot['files'][number] | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s || !s.isFile() || !(s.mtimeMs < observedAt - RACY_MARGIN_MS)) return undefined;
  return [path, s.dev, s.ino, s.size, s.mtimeMs, s.ctimeMs, observedAt];
}

export function dirRow(path: string): Snapshot['dirs'][number] | undefined {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s || !s.isDirectory()) return undefined;
  return [path, s.dev, s.ino, s.mtimeMs, s.ctimeMs];
}

/**
 * The snapshot's nodes when it still holds: every file and directory unchanged (and
 * trusted), every output object present, the same engine, environment and state database.
 */
export function checkSnapshot(
  path: string,
  expect: { engine: string; env: string; statePath: string; storeDir: string; targets: string[] },
): Snapshot | undefined {
  try {
    return check(path, expect);
  } catch {
    // A damaged or foreign snapshot is no snapshot.
    return undefined;
  }
}

function check(
  path: string,
  expect: { engine: string; env: string; statePath: string; storeDir: string; targets: string[] },
): Snapshot | undefined {
  let snap: Snapshot;
  try {
    snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  } catch {
    return undefined;
  }
  if (snap.kfm_snapshot_version !== SNAPSHOT_VERSION || snap.engine !== expect.engine || snap.env !== expect.env) return undefined;
  if (JSON.stringify([...snap.targets].sort()) !== JSON.stringify([...expect.targets].sort())) return undefined;
  const db = statSync(expect.statePath, { throwIfNoEntry: false });
  if (!db || db.dev !== snap.state[0] || db.ino !== snap.state[1]) return undefined;
  for (const [p, dev, ino, size, mtime, ctime, observedAt] of snap.files) {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s || s.dev !== dev || s.ino !== ino || s.size !== size || s.mtimeMs !== mtime || s.ctimeMs !== ctime) return undefined;
    if (!(mtime < observedAt - RACY_MARGIN_MS)) return undefined;
  }
  for (const [p, dev, ino, mtime, ctime] of snap.dirs) {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s || s.dev !== dev || s.ino !== ino || s.mtimeMs !== mtime || s.ctimeMs !== ctime) return undefined;
  }
  // A shard directory whose stat is unchanged has lost no object since the snapshot; only a
  // changed one is listed.
  const objects = join(expect.storeDir, 'objects');
  const changed = new Set<string>();
  for (const [shard, dev, ino, mtime, ctime] of snap.shards) {
    const s = statSync(join(objects, shard), { throwIfNoEntry: false });
    if (!s || s.dev !== dev || s.ino !== ino || s.mtimeMs !== mtime || s.ctimeMs !== ctime) changed.add(shard);
  }
  if (changed.size > 0) {
    const listed = new Map<string, Set<string>>();
    for (const hex of snap.objects) {
      const shard = hex.slice(0, 2);
      if (!changed.has(shard)) continue;
      let names = listed.get(shard);
      if (!names) {
        try {
          names = new Set(readdirSync(join(objects, shard)));
        } catch {
          return undefined;
        }
        listed.set(shard, names);
      }
      if (!names.has(hex.slice(2))) return undefined;
    }
  }
  return snap;
}
