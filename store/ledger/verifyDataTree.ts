import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { isDigest, type Digest } from '../../core/digest.js';
import { hashFileSync } from '../../core/hashFile.js';
import { SLUG_RE } from '../../core/spec.js';
import { VERSION_ZONES } from '../../core/versionZones.js';
import type { LocalContentStore } from '../contentStore.js';
import type { LedgerProblem } from './verifyLedger.js';

/** What a receipt says a data/ path holds: its outputs, by the ledger entry that says it. */
export interface ClaimedOutput {
  seq: number;
  /** Relative to data/. */
  path: string;
  digest: Digest;
}

/**
 * Verifies the data/ tree: every file a receipt names as an output holds the digest the
 * receipt names, and every `data/processed/<slug>/<dvid>/checksums.json` (and a quarantined
 * version's `data/quarantine/<slug>/<dvid>/checksums.json`) matches the files
 * beside it (digest and size of each, and no file it does not list). Catches a data file
 * that was replaced (its link to the store broken) rather than edited in place (which the
 * store check catches). Problems name the file relative to the project root (`data/…`).
 */
export function verifyDataTree(dataDir: string, outputs: readonly ClaimedOutput[], store?: Pick<LocalContentStore, 'pathOf'>): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const hashes = new Map<string, { digest: Digest; size: number } | null>();
  // A data file that is still the store's object (a hard link) is the store check's business:
  // bytes changed in place there are reported once, as a corrupt object.
  const isStoreObject = (rel: string, digest: Digest): boolean => {
    if (!store) return false;
    const a = statSync(join(dataDir, rel), { throwIfNoEntry: false });
    const b = statSync(store.pathOf(digest), { throwIfNoEntry: false });
    return a !== undefined && b !== undefined && a.ino === b.ino && a.dev === b.dev;
  };
  const hashOf = (rel: string) => {
    let h = hashes.get(rel);
    if (h === undefined) hashes.set(rel, (h = hashOrNull(join(dataDir, rel))));
    return h;
  };

  const reported = new Set<string>();
  for (const o of outputs) {
    if (!safeRelative(o.path) || reported.has(`${o.path}\n${o.digest}`)) continue;
    reported.add(`${o.path}\n${o.digest}`);
    const h = hashOf(o.path);
    const file = `data/${o.path}`;
    if (h === null) problems.push({ seq: o.seq, reason: 'data-file-missing', problem: `${file} is missing (the receipt names it as an output, ${o.digest})`, file });
    else if (h.digest !== o.digest && !isStoreObject(o.path, o.digest)) {
      problems.push({ seq: o.seq, reason: 'data-file-mismatch', problem: `${file} holds ${h.digest}, but the receipt names ${o.digest}: the file was replaced`, file });
    }
  }

  for (const [zone, slug, dvid] of versionDirs(dataDir)) {
    const dir = `${zone}/${slug}/${dvid}`;
    const file = `data/${dir}/checksums.json`;
    const at = (reason: LedgerProblem['reason'], problem: string, f = file) => problems.push({ seq: null, reason, problem, file: f });
    let doc: { dataset_slug?: unknown; dataset_version_id?: unknown; files?: unknown };
    try {
      doc = JSON.parse(readFileSync(join(dataDir, dir, 'checksums.json'), 'utf8')) as typeof doc;
    } catch (e) {
      at('checksums-invalid', `${file} cannot be read: ${(e as Error).message}`);
      continue;
    }
    if (doc.dataset_slug !== slug || doc.dataset_version_id !== dvid || !Array.isArray(doc.files)) {
      at('checksums-invalid', `${file} does not describe ${slug}@${dvid} (dataset_slug, dataset_version_id and files)`);
      continue;
    }
    const listed = new Set<string>(['checksums.json']);
    for (const [i, f] of (doc.files as unknown[]).entries()) {
      const { path, digest, size } = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
      if (typeof path !== 'string' || !safeRelative(path) || !isDigest(digest)) {
        at('checksums-invalid', `${file} /files/${i} is not a { path, digest, size } entry`);
        continue;
      }
      listed.add(path);
      const rel = `${dir}/${path}`;
      const h = hashOf(rel);
      if (h === null) at('data-file-missing', `data/${rel} is missing (${file} lists it)`, `data/${rel}`);
      else if ((h.digest !== digest || (typeof size === 'number' && h.size !== size)) && !isStoreObject(rel, digest)) {
        at('data-file-mismatch', `data/${rel} holds ${h.digest} (${h.size} bytes), but ${file} lists ${digest} (${String(size)} bytes)`, `data/${rel}`);
      }
    }
    for (const rel of filesUnder(join(dataDir, dir))) {
      if (!listed.has(rel)) at('data-file-unlisted', `data/${dir}/${rel} is not listed in ${file}`, `data/${dir}/${rel}`);
    }
  }
  return problems;
}

function safeRelative(path: string): boolean {
  return path !== '' && !path.startsWith('/') && !path.split('/').some((s) => s === '' || s === '.' || s === '..');
}

function hashOrNull(path: string): { digest: Digest; size: number } | null {
  try {
    return hashFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return null;
    throw e;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => statSync(join(dir, n), { throwIfNoEntry: false })?.isDirectory() === true)
      .sort(compareCodePoints);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** `[zone, slug, dvid]` of every `<processed|quarantine>/<slug>/<dvid>/` holding a checksums.json. */
function versionDirs(dataDir: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const zone of VERSION_ZONES) {
    const root = join(dataDir, zone);
    for (const slug of subdirs(root)) {
      if (!SLUG_RE.test(slug)) continue;
      for (const dvid of subdirs(join(root, slug))) {
        if (statSync(join(root, slug, dvid, 'checksums.json'), { throwIfNoEntry: false })) out.push([zone, slug, dvid]);
      }
    }
  }
  return out;
}

/** Every file under `dir`, relative and `/`-separated, sorted. */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareCodePoints(a.name, b.name))) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    const isDir = e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, e.name), { throwIfNoEntry: false })?.isDirectory() === true);
    if (isDir) out.push(...filesUnder(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}
