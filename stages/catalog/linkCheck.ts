import { statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { digestHex, type Digest } from '../../core/digest.js';
import { hashFileSync } from '../../core/hashFile.js';
import { VERSION_ZONES } from '../../core/versionZones.js';
import type { CatalogProblem } from './catalogCheck.js';
import { looksLikeEvidenceRef, parseEvidenceRef, type EvidenceTarget } from './evidenceRef.js';

/** A parsed catalog file, its path relative to data/. */
export interface ParsedCatalogFile {
  path: string;
  doc: unknown;
  kind: 'dcat' | 'collection' | 'item' | 'prov';
}

export interface LinkCheckArgs {
  files: readonly ParsedCatalogFile[];
  dataDir: string;
  /** The catalog's base URL (from the Collection's `self` link). */
  baseUrl: string | undefined;
  hasObject: (digest: Digest) => Promise<boolean>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The catalog's links: every EvidenceRef or kfm URI in any file (`dcat://`, `stac://`,
 * `prov://`, `doc://`, `kfm://artifact/…`, `kfm://dataset/…`, `kfm://run/…` and URLs under
 * the base) and every STAC href resolves, to a file under data/, a store object, a version
 * or a run of the PROV bundle (`link`); STAC `self` is the file's own absolute URL; and
 * every digest a catalog states about a file (asset `kfm:digest` and `checksum:multihash`,
 * DCAT distribution digests, PROV receipt digests) is the digest of its bytes (`digest`).
 */
export async function linkCheck(a: LinkCheckArgs): Promise<CatalogProblem[]> {
  const problems: CatalogProblem[] = [];
  const runs = provRuns(a.files);
  const hashes = new Map<string, Digest | null>();
  const hashOf = (path: string): Digest | null => {
    if (!hashes.has(path)) hashes.set(path, fileDigest(join(a.dataDir, path)));
    return hashes.get(path)!;
  };
  const resolves = async (t: EvidenceTarget): Promise<boolean> => {
    switch (t.kind) {
      case 'file':
        return hashOf(t.path) !== null;
      case 'object':
        return a.hasObject(t.digest);
      case 'dataset':
        return VERSION_ZONES.some((zone) => hashOf(`${zone}/${t.slug}/${t.dvid}/checksums.json`) !== null);
      case 'run':
        return runs.has(t.runId);
    }
  };
  for (const f of a.files) {
    const link = (message: string) => problems.push({ file: f.path, check: 'link', message });
    for (const value of strings(f.doc)) {
      if (!looksLikeEvidenceRef(value) && !(a.baseUrl !== undefined && value.startsWith(a.baseUrl))) continue;
      const t = parseEvidenceRef(value, a.baseUrl);
      if (!t) link(`${value} is not a well-formed reference`);
      else if (!(await resolves(t))) link(`${value} does not resolve (${describe(t)} not found)`);
    }
    if (f.kind === 'collection' || f.kind === 'item') stacLinks(f, a, hashOf, link, (m) => problems.push({ file: f.path, check: 'digest', message: m }));
    if (f.kind === 'dcat' || f.kind === 'prov') linkedDigests(f, a, hashOf, (m) => problems.push({ file: f.path, check: 'digest', message: m }));
  }
  return problems;
}

function describe(t: EvidenceTarget): string {
  return t.kind === 'file' ? `data/${t.path}` : t.kind === 'object' ? `store object ${t.digest}` : t.kind === 'dataset' ? `version ${t.slug}@${t.dvid}` : `activity ${t.runId} in the PROV bundle`;
}

/** STAC links and assets: relative hrefs resolve under data/, `self` is the file's absolute URL, asset digests match the bytes. */
function stacLinks(f: ParsedCatalogFile, a: LinkCheckArgs, hashOf: (p: string) => Digest | null, link: (m: string) => void, digest: (m: string) => void): void {
  const doc = isObj(f.doc) ? f.doc : {};
  const dir = posix.dirname(f.path);
  const target = (href: string): string | undefined => {
    if (a.baseUrl !== undefined && href.startsWith(a.baseUrl)) return href.slice(a.baseUrl.length);
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined;
    const p = posix.normalize(posix.join(dir, href));
    return p.startsWith('../') || p.startsWith('/') ? undefined : p;
  };
  const links = Array.isArray(doc.links) ? doc.links.filter(isObj) : [];
  const self = links.find((l) => l.rel === 'self');
  if (!self || a.baseUrl === undefined || self.href !== `${a.baseUrl}${f.path}`) link(`rel=self must be the file's absolute URL (${a.baseUrl ?? '<base>'}${f.path})`);
  for (const l of links) {
    if (typeof l.href !== 'string') continue;
    const p = target(l.href);
    if (p === undefined) link(`link rel=${String(l.rel)} ${l.href} is not under data/ or the catalog's base URL`);
    else if (hashOf(p) === null) link(`link rel=${String(l.rel)} ${l.href} does not resolve (data/${p} not found)`);
  }
  for (const [name, asset] of Object.entries(isObj(doc.assets) ? doc.assets : {})) {
    if (!isObj(asset) || typeof asset.href !== 'string') continue;
    const p = target(asset.href);
    const actual = p === undefined ? null : hashOf(p);
    if (actual === null) {
      link(`asset ${name} ${asset.href} does not resolve`);
      continue;
    }
    if (asset['kfm:digest'] !== actual) digest(`asset ${name}: kfm:digest is ${String(asset['kfm:digest'])}, but data/${p} holds ${actual}`);
    if (asset['checksum:multihash'] !== `1220${digestHex(actual)}`) digest(`asset ${name}: checksum:multihash does not match data/${p} (${actual})`);
  }
}

/** DCAT distributions and PROV receipts: the digest stated beside a link is its target's. */
function linkedDigests(f: ParsedCatalogFile, a: LinkCheckArgs, hashOf: (p: string) => Digest | null, digest: (m: string) => void): void {
  const nodes: Obj[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (isObj(v)) {
      nodes.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(f.doc);
  for (const n of nodes) {
    const pairs: [unknown, unknown][] = [
      [n['dcat:downloadURL'], n['kfm:digest']],
      [n['kfm:receipt'], n['kfm:receipt_digest']],
    ];
    for (const [to, stated] of pairs) {
      const id = isObj(to) ? to['@id'] : undefined;
      if (typeof id !== 'string') continue;
      const t = parseEvidenceRef(id, a.baseUrl);
      if (t?.kind !== 'file') continue;
      const actual = hashOf(t.path);
      if (actual !== null && actual !== stated) digest(`${id}: the catalog states ${String(stated)}, but data/${t.path} holds ${actual}`);
    }
  }
}

/** The run ids of the PROV bundle's activities. */
function provRuns(files: readonly ParsedCatalogFile[]): Set<string> {
  const prov = files.find((f) => f.kind === 'prov')?.doc;
  const graph = isObj(prov) && Array.isArray(prov['@graph']) ? prov['@graph'].filter(isObj) : [];
  return new Set(graph.filter((n) => n['@type'] === 'prov:Activity' && typeof n['@id'] === 'string').map((n) => n['@id'] as string));
}

function* strings(v: unknown): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (isObj(v)) for (const x of Object.values(v)) yield* strings(x);
}

function fileDigest(path: string): Digest | null {
  try {
    if (!statSync(path).isFile()) return null;
    return hashFileSync(path).digest;
  } catch {
    return null;
  }
}
