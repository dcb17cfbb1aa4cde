import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDigest, sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { DatasetSpec } from '../../core/spec.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { LedgerEntry } from '../../store/ledger/ledger.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import type { VersionStore } from '../../store/state.js';
import type { VersionZone } from '../../core/versionZones.js';
import type { CatalogSources, ChecksumsFile } from './catalogSources.js';
import { firstBuildReceipts, type CitedReceipt } from './firstBuildReceipts.js';

export interface LoadSourcesArgs {
  slug: string;
  dvid: string;
  projectRoot: string;
  dataDir: string;
  versions: VersionStore;
  store: ContentStore;
  /** The ledger's entries for the version (Ledger.entriesFor). */
  entries: readonly LedgerEntry[];
  baseUrl: string;
  /** The zone holding the version's files (default `processed`). */
  zone?: VersionZone;
}

/**
 * Gathers a version's catalog sources (catalogSources.ts): its slice and spec from the state's
 * version record (or, on a clone without that state, the registry entry, whose spec document
 * is used only when its spec_hash is the version's), its `checksums.json` (read through the
 * store: a file under data/ whose bytes the store does not hold was edited), and the receipts
 * of the run that produced it. Every file checksums.json lists must be an output of one of
 * those receipts, with the same digest. A version kfm does not know: KfmError `usage`;
 * records that do not agree: KfmError `check`.
 */
export async function loadCatalogSources(a: LoadSourcesArgs): Promise<CatalogSources> {
  const { slug, dvid } = a;
  const zone = a.zone ?? 'processed';
  const name = `${slug}@${dvid}`;
  const record = await a.versions.version(slug, dvid);
  const registry = readRegistry(a.projectRoot, slug);
  const entry = registry?.versions.find((v) => v.dataset_version_id === dvid);
  const specHash = record?.specHash ?? entry?.spec_hash;
  const slice = record?.slice ?? entry?.slice;
  if (specHash === undefined || slice === undefined) throw new KfmError('usage', `no version ${name}: neither the state nor registry/${slug}.json records it`);
  const fromState = specOf(record?.specDocument);
  const spec = fromState ?? (registry?.spec_hash === specHash ? specOf(registry.spec_document) : undefined);
  if (!spec) throw new KfmError('check', `${name}: the spec it was built from is not recorded (the state has no spec document and the registry's spec_hash is another)`);
  const checksums = await readChecksums(a, zone, name);
  // The producing build: the first whose receipts name every file checksums.json lists, with its digest.
  const produces = (receipts: readonly CitedReceipt[]) => {
    const produced = new Map(receipts.flatMap((r) => r.receipt.outputs.map((o) => [o.path, o.digest] as const)));
    return checksums.files.every((f) => produced.get(`${zone}/${slug}/${dvid}/${f.path}`) === f.digest);
  };
  const receipts = firstBuildReceipts(a.entries, slug, dvid, produces);
  if (receipts.length === 0) {
    throw new KfmError('check', `${name}: the ledger holds no receipts of a run that produced the files checksums.json lists (build it: kfm build ${slug}@${slice})`);
  }
  return { slug, dvid, slice, zone, specHash, spec, checksums, receipts, baseUrl: a.baseUrl, read: (d) => a.store.get(d) };
}

function specOf(doc: unknown): DatasetSpec | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const spec = (doc as { spec?: unknown }).spec;
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) ? (spec as DatasetSpec) : undefined;
}

async function readChecksums(a: LoadSourcesArgs, zone: VersionZone, name: string): Promise<CatalogSources['checksums']> {
  const rel = `${zone}/${a.slug}/${a.dvid}/checksums.json`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(a.dataDir, rel));
  } catch (e) {
    throw new KfmError('check', `${name}: data/${rel} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); kfm build restores it`);
  }
  const digest: Digest = sha256(bytes);
  if (!(await a.store.has(digest))) throw new KfmError('check', `${name}: data/${rel} holds bytes kfm never wrote (${digest}); kfm build restores it`);
  const doc = JSON.parse(bytes.toString('utf8')) as { files?: unknown };
  const files: ChecksumsFile[] = [];
  for (const f of Array.isArray(doc.files) ? (doc.files as Record<string, unknown>[]) : []) {
    if (typeof f.path !== 'string' || !isDigest(f.digest) || typeof f.size !== 'number' || typeof f.media_type !== 'string') {
      throw new KfmError('check', `${name}: data/${rel} has an entry that is not { path, digest, size, media_type }`);
    }
    files.push({ path: f.path, digest: f.digest, size: f.size, media_type: f.media_type });
  }
  return { digest, size: bytes.length, files };
}
