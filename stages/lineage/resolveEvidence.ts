import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../core/json.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { claimedReceipt, readLedgerEntries } from '../../engine/receipts/ledgerReader.js';
import { showLedgerEntry } from '../../engine/receipts/showLedgerEntry.js';
import { KfmError } from '../../core/error.js';
import type { ContentStore } from '../../store/contentStore.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import { parseEvidenceRef as parseCatalogRef } from '../catalog/evidenceRef.js';
import { parseEvidenceRef as parseFeatureRef } from '../projections/evidenceRef.js';

/** The format of `GET /api/v1/evidence?ref=…` (schemas/evidence.schema.json). */
export const EVIDENCE_VERSION = 'v1';

/** Files larger than this are described (size, path), not returned. */
const INLINE_LIMIT = 1024 * 1024;

export interface ResolvedEvidence {
  kfm_evidence_version: typeof EVIDENCE_VERSION;
  ref: string;
  kind: 'feature' | 'object' | 'file' | 'dataset_version' | 'run';
  dataset_slug: string | null;
  dataset_version_id: string | null;
  /** The dataset's policy label (null when the ref names no dataset): who may see it is the server's call. */
  policy_label: string | null;
  /** The feature, the file's JSON, the version's registry entry, or the receipt decoded and verified. */
  value: Json;
}

export type EvidenceOutcome = { ok: true; evidence: ResolvedEvidence } | { ok: false; problem: 'bad_ref' | 'not_found'; message: string };

/**
 * Resolves an EvidenceRef without network: `kfm://artifact/<digest>#<i>` (feature i of a
 * stored GeoJSON artifact), `kfm://artifact/<digest>` (the object: size and owner),
 * `dcat://`, `stac://`, `prov://`, `doc://` (files under data/), `kfm://dataset/<slug>@<dvid>`
 * (the registry's entry) and `kfm://run/<id>` (the receipt, decoded and verified, as
 * `kfm receipts show`). A ref that parses as none of these is `bad_ref`; one that names
 * nothing this checkout holds is `not_found` (with no content store yet, every artifact).
 */
export async function resolveEvidence(paths: ProjectPaths, store: ContentStore | undefined, ref: string): Promise<EvidenceOutcome> {
  const notFound = (message: string): EvidenceOutcome => ({ ok: false, problem: 'not_found', message });
  const found = (kind: ResolvedEvidence['kind'], slug: string | null, dvid: string | null, value: Json): EvidenceOutcome => ({
    ok: true,
    evidence: { kfm_evidence_version: EVIDENCE_VERSION, ref, kind, dataset_slug: slug, dataset_version_id: dvid, policy_label: slug === null ? null : labelOf(paths, slug), value },
  });
  const feature = parseFeatureRef(ref);
  const target = feature ? { kind: 'object' as const, digest: feature.digest } : parseCatalogRef(ref);
  if (!target) return { ok: false, problem: 'bad_ref', message: `"${ref}" is not an EvidenceRef (kfm://artifact/sha256:<hex>[#<index>], dcat://, stac://, prov://, doc://, kfm://dataset/, kfm://run/)` };
  if (target.kind === 'object') {
    const owner = await artifactOwner(paths, target.digest);
    if (!owner || !store || !(await store.has(target.digest))) return notFound(`no stored artifact ${target.digest} that a receipt names`);
    if (!feature) return found('object', owner.slug, owner.dvid, { digest: target.digest, path: owner.path, media_type: owner.mediaType });
    let doc: { features?: Json[] };
    try {
      doc = JSON.parse((await store.get(target.digest)).toString('utf8')) as typeof doc;
    } catch {
      return notFound(`${target.digest} is not a GeoJSON FeatureCollection`);
    }
    const f = Array.isArray(doc.features) ? doc.features[feature.index] : undefined;
    if (f === undefined) return notFound(`${target.digest} has no feature ${feature.index} (it has ${Array.isArray(doc.features) ? doc.features.length : 0})`);
    return found('feature', owner.slug, owner.dvid, f);
  }
  if (target.kind === 'file') {
    const [, slug, dvid] = target.path.split('/');
    // Only a dataset's files (data/<zone>/<slug>/…): who may see them follows its label.
    if (slug === undefined || dvid === undefined) return notFound(`data/${target.path} is no dataset's file (data/<zone>/<slug>/…)`);
    const abs = join(paths.dataDir, target.path);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st?.isFile()) return notFound(`data/${target.path} does not exist`);
    const value: Json = st.size > INLINE_LIMIT ? { path: `data/${target.path}`, size: st.size } : parseOrText(readFileSync(abs, 'utf8'));
    return found('file', slug, dvid, value);
  }
  if (target.kind === 'dataset') {
    const version = readRegistry(paths.root, target.slug)?.versions.find((v) => v.dataset_version_id === target.dvid);
    if (!version) return notFound(`no version ${target.slug}@${target.dvid} in registry/${target.slug}.json`);
    return found('dataset_version', target.slug, target.dvid, version as unknown as Json);
  }
  try {
    const report = await showLedgerEntry(paths, target.runId);
    return found('run', report.dataset_slug, report.dataset_version_id, report as unknown as Json);
  } catch (e) {
    if (e instanceof KfmError && e.code === 'usage') return notFound(e.message);
    throw e;
  }
}

function labelOf(paths: ProjectPaths, slug: string): string | null {
  try {
    return readRegistry(paths.root, slug)?.policy_label ?? null;
  } catch {
    return null;
  }
}

/** The dataset version whose receipt lists the artifact among its outputs (the first such receipt). */
async function artifactOwner(paths: ProjectPaths, digest: string): Promise<{ slug: string; dvid: string; path: string; mediaType: string | null } | undefined> {
  for (const e of await readLedgerEntries(paths.kfmDir)) {
    if (e.datasetSlug === null || e.datasetVersionId === null) continue;
    const out = claimedReceipt(e)?.outputs?.find((o) => o.digest === digest);
    if (out) return { slug: e.datasetSlug, dvid: e.datasetVersionId, path: out.path, mediaType: out.media_type ?? null };
  }
  return undefined;
}

function parseOrText(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}
