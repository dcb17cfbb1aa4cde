import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareCodePoints } from '../../core/compareCodePoints.js';
import { digestHex, type Digest } from '../../core/digest.js';
import type { ContentStore, ObjectCheck } from '../../store/contentStore.js';
import { restoreEntry, type DataTreeSettings } from '../../store/dataTree.js';
import { checkDataFile, type TreeEntry } from '../../store/dataTreeCheck.js';
import type { NodeResult } from '../../store/state.js';
import { VERSION_ZONES } from '../../core/versionZones.js';

/** One thing `kfm fsck` found wrong. */
export interface FsckProblem {
  /**
   * `object-corrupt`: a store object's bytes do not hash to its digest. `output-missing`: a
   * node's latest result names an object the store does not hold. `data-file-missing`,
   * `data-file-edited`: a file under data/ that a version lists is gone or holds other bytes.
   */
  kind: 'object-corrupt' | 'output-missing' | 'data-file-missing' | 'data-file-edited';
  /** The digest (objects, outputs) or the path under data/ (data files). */
  subject: string;
  /** The node whose output it is, when known. */
  node: string | null;
  message: string;
  /** `--repair` fixed it (quarantined the object, restored the file). */
  repaired: boolean;
  /** What fixes it when fsck cannot (`rebuild <node>`), else null. */
  remedy: string | null;
}

/** Progress of a long check: `done` of `total` items of a phase. */
export type FsckProgress = { phase: 'objects' | 'results' | 'data'; done: number; total: number };

export interface FsckResult {
  checked: { objects: number; outputs: number; dataFiles: number };
  problems: FsckProblem[];
}

export interface FsckArgs {
  store: ContentStore;
  /** Each node's latest result (ResultStore.latestResults). */
  latest: ReadonlyMap<string, NodeResult>;
  dataDir: string;
  repair: boolean;
  dataTree: DataTreeSettings;
  onProgress: (p: FsckProgress) => void;
}

const IN_FLIGHT = 4;
const PROGRESS_EVERY = 256;

/**
 * Checks a project's stored bytes: every object in the store (re-hashed), every latest
 * node result's outputs (present), and the data tree against the store (each file that a
 * version's `checksums.json` lists, and each node's latest raw output). With `repair`, a
 * corrupt object is quarantined (its node must then rebuild: said as the remedy) and an
 * edited or missing data file whose object is intact is restored (the edited file is moved
 * to `dataTree.editedDir`). Problems are in a stable order: objects, outputs, data files.
 */
export async function fsckStore(a: FsckArgs): Promise<FsckResult> {
  const owners = ownersOf(a.latest);
  const problems: FsckProblem[] = [];
  const digests: Digest[] = [];
  for await (const d of a.store.digests()) digests.push(d);
  const bad = new Set<Digest>();
  for (let i = 0; i < digests.length; i += IN_FLIGHT) {
    const batch = digests.slice(i, i + IN_FLIGHT);
    const checks: ObjectCheck[] = await Promise.all(batch.map((d) => a.store.check(d)));
    for (const [j, d] of batch.entries()) {
      if (checks[j] !== 'corrupt') continue;
      bad.add(d);
      const node = owners.get(d)?.node ?? null;
      const repaired = a.repair && (await a.store.quarantine(d)) === 'quarantined';
      problems.push({
        kind: 'object-corrupt',
        subject: d,
        node,
        message: `store object ${d} is corrupt: its bytes no longer hash to its digest${repaired ? ' (moved to the store\'s corrupt/ folder)' : ''}`,
        repaired,
        remedy: repaired ? null : 'kfm fsck --repair',
      });
    }
    progress(a, 'objects', i + batch.length, digests.length);
  }

  let outputs = 0;
  const ids = [...a.latest.keys()].sort(compareCodePoints);
  for (const [i, id] of ids.entries()) {
    for (const o of a.latest.get(id)!.outputs) {
      outputs++;
      const present = !(a.repair && bad.has(o.digest)) && (await a.store.has(o.digest, o.size));
      if (present) continue;
      problems.push({
        kind: 'output-missing',
        subject: o.digest,
        node: id,
        message: `${id} output "${o.name}" (${o.digest}) is not in the store`,
        repaired: false,
        remedy: `rebuild ${id} (kfm build ${id.split('/')[0]})`,
      });
    }
    progress(a, 'results', i + 1, ids.length);
  }

  const entries = dataTreeEntries(a.dataDir, a.latest, owners);
  for (const [i, e] of entries.entries()) {
    const found = await checkDataFile(a.dataDir, a.store, e);
    progress(a, 'data', i + 1, entries.length);
    if (found.state === 'intact') continue;
    const kind = found.state === 'missing' ? 'data-file-missing' : 'data-file-edited';
    const what = found.state === 'missing' ? 'is missing' : `holds other bytes (${found.actual})`;
    const restorable = (await a.store.check(e.digest)) === 'ok';
    let repaired = false;
    if (a.repair && restorable) {
      await restoreEntry(a.dataDir, a.store, e, a.dataTree);
      repaired = true;
    }
    const node = owners.get(e.digest)?.node ?? null;
    problems.push({
      kind,
      subject: e.path,
      node,
      message: `data/${e.path} ${what}: it should hold ${e.digest}${repaired ? ' (restored from the store)' : ''}`,
      repaired,
      remedy: repaired ? null : restorable ? 'kfm fsck --repair' : node ? `rebuild ${node} (kfm build ${node.split('/')[0]}), then kfm fsck --repair` : 'rebuild the dataset, then kfm fsck --repair',
    });
  }
  return { checked: { objects: digests.length, outputs, dataFiles: entries.length }, problems };
}

function progress(a: FsckArgs, phase: FsckProgress['phase'], done: number, total: number): void {
  if (done === total || done % PROGRESS_EVERY === 0) a.onProgress({ phase, done, total });
}

/** Which latest node output each digest is (the first, in node order). */
function ownersOf(latest: ReadonlyMap<string, NodeResult>): Map<Digest, { node: string; output: string }> {
  const out = new Map<Digest, { node: string; output: string }>();
  for (const id of [...latest.keys()].sort(compareCodePoints)) {
    for (const o of latest.get(id)!.outputs) if (!out.has(o.digest)) out.set(o.digest, { node: id, output: o.name });
  }
  return out;
}

/**
 * The data files whose digests kfm knows without the kfmfile: every file each
 * `processed/<slug>/<dvid>/checksums.json` (or a quarantined version's
 * `quarantine/<slug>/<dvid>/checksums.json`) lists, and each node's latest raw outputs
 * (`raw/<slug>/<outputs16>/<name>`, recognised by an existing folder). In path order.
 */
function dataTreeEntries(dataDir: string, latest: ReadonlyMap<string, NodeResult>, owners: Map<Digest, unknown>): TreeEntry[] {
  const entries = new Map<string, Digest>();
  for (const zone of VERSION_ZONES) versionFiles(dataDir, zone, entries);
  for (const [id, r] of latest) {
    const slug = id.split('/')[0]!;
    const dir = `raw/${slug}/${digestHex(r.outputsDigest).slice(0, 16)}`;
    if (!existsSync(join(dataDir, dir))) continue;
    for (const o of r.outputs) if (owners.has(o.digest)) entries.set(`${dir}/${o.name}`, o.digest);
  }
  return [...entries].map(([path, digest]) => ({ path, digest })).sort((x, y) => compareCodePoints(x.path, y.path));
}

/** The files each `<zone>/<slug>/<dvid>/checksums.json` lists, into `entries` (path → digest). */
function versionFiles(dataDir: string, zone: string, entries: Map<string, Digest>): void {
  const root = join(dataDir, zone);
  for (const slug of listDirs(root)) {
    for (const dvid of listDirs(join(root, slug))) {
      const file = join(root, slug, dvid, 'checksums.json');
      if (!existsSync(file)) continue;
      let files: { path: string; digest: Digest }[] = [];
      try {
        files = (JSON.parse(readFileSync(file, 'utf8')) as { files?: { path: string; digest: Digest }[] }).files ?? [];
      } catch {
        continue; // receipts verify names an unreadable checksums.json
      }
      for (const f of files) entries.set(`${zone}/${slug}/${dvid}/${f.path}`, f.digest);
    }
  }
}

function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(compareCodePoints);
}
