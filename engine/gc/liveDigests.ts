import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { NodeResult } from '../../store/state.js';
import { digestsNamedIn } from './digestsNamedIn.js';
import type { EntryReferences } from './ledgerReferences.js';
import { versionKey } from './retainedVersions.js';

/** Why an object is live: the first rule (in this order) that names it. */
export type LiveReason = 'latest-result' | 'ledger' | 'registry' | 'checksums' | 'data-link';

export interface LiveSources {
  /** Every node's latest result (ResultStore.latestResults). */
  latest: ReadonlyMap<string, NodeResult>;
  /** Every ledger entry's references (ledgerReferences). */
  ledger: readonly EntryReferences[];
  /** Every registry/<slug>.json as parsed JSON. */
  registries: readonly unknown[];
  /** `slug@dvid` of the versions gc does not retain (retainedVersions). */
  dropped: ReadonlySet<string>;
  dataDir: string;
  /** The store's objects directory: a data/ symlink into it keeps its object. */
  objectsDir: string;
}

/**
 * The live set: every digest named by a node's latest result; by any ledger entry of a
 * retained version or of no version (its statement's subjects and predicate: a run receipt's
 * inputs and outputs, and whatever any other entry names); by the registry; by the
 * checksums.json of each retained version under any zone of data/
 * (`data/<zone>/<slug>/<dvid>/checksums.json`); and each object a data/ file is a symlink to.
 * A version is left out only when `dropped` names it: one the registry does not list (a
 * killed build's) is kept. A checksums.json that is not JSON is a KfmError `check`.
 */
export function liveDigests(s: LiveSources): Map<Digest, LiveReason> {
  const live = new Map<Digest, LiveReason>();
  const add = (reason: LiveReason, digests: Iterable<Digest>) => {
    for (const d of digests) if (!live.has(d)) live.set(d, reason);
  };
  for (const id of [...s.latest.keys()].sort(compareCodePoints)) add('latest-result', s.latest.get(id)!.outputs.map((o) => o.digest));
  for (const e of s.ledger) if (e.version === null || !s.dropped.has(e.version)) add('ledger', e.digests);
  add('registry', digestsNamedIn(s.registries, new Set()));
  for (const file of checksumFiles(s.dataDir, s.dropped)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new KfmError('check', `${relative(resolve(s.dataDir, '..'), file)} is not JSON: kfm gc removes nothing while a version's checksums cannot be read`);
    }
    add('checksums', digestsNamedIn(doc, new Set()));
  }
  add('data-link', linkedObjects(s.dataDir, s.objectsDir));
  return live;
}

/** `data/<zone>/<slug>/<dvid>/checksums.json` of every version not dropped. */
function checksumFiles(dataDir: string, dropped: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const zone of dirs(dataDir)) {
    for (const slug of dirs(join(dataDir, zone))) {
      for (const dvid of dirs(join(dataDir, zone, slug))) {
        const file = join(dataDir, zone, slug, dvid, 'checksums.json');
        if (!dropped.has(versionKey(slug, dvid)) && existsSync(file)) out.push(file);
      }
    }
  }
  return out;
}

/** The objects data/ files are symlinks to (`dataTree.link: 'symlink'`): removing one would leave the link dangling. */
function linkedObjects(dataDir: string, objectsDir: string): Digest[] {
  const out: Digest[] = [];
  if (!existsSync(dataDir)) return out;
  for (const e of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
    if (!e.isSymbolicLink()) continue;
    const from = join(e.parentPath, e.name);
    const target = relative(objectsDir, resolve(e.parentPath, readlinkSync(from)));
    const m = /^([0-9a-f]{2})[/\\]([0-9a-f]{62})$/.exec(target.split(sep).join('/'));
    if (m) out.push(`sha256:${m[1]}${m[2]}`);
  }
  return out;
}

function dirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(compareCodePoints);
}
