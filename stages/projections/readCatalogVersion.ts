import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDigest, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { POLICY_LABELS, type PolicyLabel } from '../../core/policyLabel.js';
import type { Bbox } from '../../core/geometryBbox.js';
import { catalogLayout } from '../catalog/catalogLayout.js';
import { featureCountAndBbox } from './featureCountAndBbox.js';
import type { FeatureArtifact, ProjectedVersion } from './projectedVersion.js';
import { qaSummary } from './qaSummary.js';
import type { ChecksumsEntry } from './versionChecksums.js';
import type { FeatureSource } from './versionFeatures.js';

/** The operations whose activities produced a version's bytes (PROV), as opposed to publishing it. */
const BUILD_OPERATIONS = new Set(['ingest', 'transform', 'qa']);

/** A GeoJSON artifact among a version's distributions. */
const isFeatureArtifact = (f: { path: string; media_type: string }) => f.media_type === 'application/geo+json' || f.path.endsWith('.geojson');

/** What the catalog of a version says, before its artifacts are read. */
export interface CatalogFacts {
  title: string;
  spec_hash: Digest;
  policy_label: ProjectedVersion['policy_label'];
  bbox: Bbox | null;
  temporal: { start: string; end: string } | null;
  files: ChecksumsEntry[];
  /** Where the files are under data/: `processed`, or `quarantine` for a quarantined version a steward's override published. */
  zone: 'processed' | 'quarantine';
  produced_at: string;
  /** The digests of the catalog files read (dcat, prov): what a projection key is made of. */
  sources: { path: string; text: string }[];
}

/**
 * The ProjectedVersion of `<slug>@<dvid>` read from its catalog (runbook procedure D, step
 * 1–2): the DCAT record gives the title, spec_hash, policy label, spatial and temporal
 * extents and every processed file (its path, media type and digest); the PROV bundle gives
 * when the bytes were produced (the latest end of the build activities it records); the
 * GeoJSON artifacts are then read **from the content store by digest** (verified) for their
 * feature counts. The registry is not consulted here: whether a version may be projected is
 * the caller's rule (only published versions are).
 */
export async function readCatalogVersion(dataDir: string, store: FeatureSource, slug: string, dvid: string): Promise<ProjectedVersion> {
  const facts = catalogFacts(dataDir, slug, dvid);
  const artifacts: FeatureArtifact[] = [];
  for (const f of facts.files.filter(isFeatureArtifact)) {
    const summary = await featureCountAndBbox(store, f);
    artifacts.push({ path: f.path, digest: f.digest, media_type: f.media_type, feature_count: summary.count });
  }
  return {
    dataset_slug: slug,
    title: facts.title,
    dataset_version_id: dvid,
    spec_hash: facts.spec_hash,
    policy_label: facts.policy_label,
    extents: { bbox: facts.bbox, temporal: facts.temporal },
    qa_summary: await qaSummary(store, facts.files),
    produced_at: facts.produced_at,
    artifacts,
  };
}

/** The catalog's statements about a version (no store read). A missing or malformed catalog: a KfmError naming the file. */
export function catalogFacts(dataDir: string, slug: string, dvid: string): CatalogFacts {
  const layout = catalogLayout(slug, dvid);
  const dcatText = readCatalogFile(dataDir, layout.dcat, slug, dvid);
  const provText = readCatalogFile(dataDir, layout.prov, slug, dvid);
  const dcat = parse(dcatText, layout.dcat) as Record<string, unknown>;
  const bad = (what: string) => new KfmError('store', `data/${layout.dcat} ${what}: run kfm catalog ${slug}@${dvid} to regenerate it`);
  if (dcat['kfm:dataset_version_id'] !== dvid || dcat['kfm:dataset_slug'] !== slug) throw bad(`is not the catalog of ${slug}@${dvid}`);
  const specHash = dcat['kfm:spec_hash'];
  if (!isDigest(specHash)) throw bad('has no kfm:spec_hash');
  const label = dcat['kfm:policy_label'];
  if (typeof label !== 'string' || !(POLICY_LABELS as readonly string[]).includes(label)) throw bad('has no known kfm:policy_label');
  const title = dcat['dct:title'];
  if (typeof title !== 'string') throw bad('has no dct:title');
  const files = distributions(dcat, slug, dvid, bad);
  const firstUrl = ((dcat['dcat:distribution'] as Record<string, { '@id'?: unknown } | undefined>[])[0]?.['dcat:downloadURL']?.['@id'] ?? '') as string;
  const zone = firstUrl.includes(`/quarantine/${slug}/${dvid}/`) ? 'quarantine' : 'processed';
  const spatial = dcat['dct:spatial'] as { 'kfm:bbox'?: unknown } | undefined;
  const box = spatial?.['kfm:bbox'];
  const bbox = Array.isArray(box) && box.length === 4 && box.every((n) => typeof n === 'number') ? (box as Bbox) : null;
  const temporal = dcat['dct:temporal'] as Record<string, { '@value'?: unknown } | undefined> | undefined;
  const start = temporal?.['dcat:startDate']?.['@value'];
  const end = temporal?.['dcat:endDate']?.['@value'];
  return {
    title,
    spec_hash: specHash,
    policy_label: label as PolicyLabel,
    bbox,
    temporal: typeof start === 'string' && typeof end === 'string' ? { start: start.slice(0, 10), end: end.slice(0, 10) } : null,
    files,
    zone,
    produced_at: producedAt(parse(provText, layout.prov), layout.prov, slug, dvid),
    sources: [
      { path: layout.dcat, text: dcatText },
      { path: layout.prov, text: provText },
    ],
  };
}

function distributions(dcat: Record<string, unknown>, slug: string, dvid: string, bad: (what: string) => KfmError): ChecksumsEntry[] {
  const list = dcat['dcat:distribution'];
  if (!Array.isArray(list)) throw bad('has no dcat:distribution');
  const marker = `/${slug}/${dvid}/`;
  const files = list.map((d: Record<string, unknown>) => {
    const url = (d['dcat:downloadURL'] as { '@id'?: unknown } | undefined)?.['@id'];
    const at = typeof url === 'string' ? url.indexOf(marker) : -1;
    const path = at >= 0 ? (url as string).slice(at + marker.length) : d['dct:title'];
    const digest = d['kfm:digest'];
    const media = d['dcat:mediaType'];
    const size = d['dcat:byteSize'];
    if (typeof path !== 'string' || !isDigest(digest) || typeof media !== 'string') throw bad('has a distribution without a path, kfm:digest or media type');
    return { path, digest, media_type: media, size: typeof size === 'number' ? size : 0 };
  });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The latest end of the bundle's build activities (ingest, transform, qa): when the version's bytes were produced. */
function producedAt(prov: unknown, file: string, slug: string, dvid: string): string {
  const graph = (prov as { '@graph'?: unknown })['@graph'];
  let latest: string | undefined;
  for (const node of Array.isArray(graph) ? (graph as Record<string, unknown>[]) : []) {
    if (node['@type'] !== 'prov:Activity' || !BUILD_OPERATIONS.has(String(node['kfm:operation']))) continue;
    const ended = (node['prov:endedAtTime'] as { '@value'?: unknown } | undefined)?.['@value'];
    if (typeof ended === 'string' && (latest === undefined || ended > latest)) latest = ended;
  }
  if (latest === undefined) throw new KfmError('store', `data/${file} records no build activity of ${slug}@${dvid}: cannot tell when it was produced`);
  return latest;
}

function readCatalogFile(dataDir: string, rel: string, slug: string, dvid: string): string {
  try {
    return readFileSync(join(dataDir, rel), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KfmError('store', `cannot read data/${rel}: ${(e as Error).message}`);
    throw new KfmError('usage', `${slug}@${dvid} has no catalog (no data/${rel}): run kfm catalog ${slug}@${dvid} first`);
  }
}

function parse(text: string, rel: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new KfmError('store', `data/${rel} is not JSON: ${(e as Error).message}`);
  }
}
