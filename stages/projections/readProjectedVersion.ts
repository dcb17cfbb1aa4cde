import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KfmError } from '../../core/error.js';
import { policyLabelOf } from '../../core/policyLabel.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import { readRegistry, registryFile, type DatasetRegistry, type RegistryVersion } from '../../store/registry/datasetRegistry.js';
import { unionBbox } from '../../core/geometryBbox.js';
import { catalogLayout } from '../catalog/catalogLayout.js';
import { readCatalogVersion } from './readCatalogVersion.js';
import { versionSpec } from './versionSpec.js';
import { featureCountAndBbox } from './featureCountAndBbox.js';
import type { FeatureArtifact, ProjectedVersion } from './projectedVersion.js';
import { qaSummary } from './qaSummary.js';
import { sliceInterval } from './sliceInterval.js';
import { versionChecksums } from './versionChecksums.js';
import type { FeatureSource } from './versionFeatures.js';
import { versionProducedAt } from './versionProducedAt.js';

/** A GeoJSON artifact among a version's files. */
const isFeatureArtifact = (f: { path: string; media_type: string }) => f.media_type === 'application/geo+json' || f.path.endsWith('.geojson');

/**
 * The ProjectedVersion of `<slug>@<dvid>`. Only promoted (`published`) versions are
 * projected: anything else is a KfmError `usage` naming its status. Read **from the
 * version's catalog** (`readCatalogVersion.ts`: DCAT, PROV, the artifacts by digest) when it
 * has one, which is every version a build or `kfm catalog` catalogued; otherwise (a version
 * recorded before catalogs existed) from what the checkout holds: the spec document the
 * version was built from (its policy label), `data/processed/<slug>/<dvid>/checksums.json`
 * (its files), the content store (feature counts, extents, the QA report) and its build
 * receipts under `data/catalog/` (produced_at).
 */
export async function readProjectedVersion(paths: ProjectPaths, store: FeatureSource, slug: string, dvid: string): Promise<ProjectedVersion> {
  const { registry, version } = publishedVersion(paths, slug, dvid);
  if (existsSync(join(paths.dataDir, catalogLayout(slug, dvid).dcat))) return readCatalogVersion(paths.dataDir, store, slug, dvid);
  return readUncataloguedVersion(paths, store, registry, version);
}

/** The registry's entry for a published version; anything else a KfmError `usage`. */
export function publishedVersion(paths: ProjectPaths, slug: string, dvid: string): { registry: DatasetRegistry; version: RegistryVersion } {
  const registry = readRegistry(paths.root, slug);
  if (!registry) throw new KfmError('usage', `dataset "${slug}" is not registered (no ${registryFile(slug)})`);
  const version = registry.versions.find((v) => v.dataset_version_id === dvid);
  if (!version) throw new KfmError('usage', `${registryFile(slug)} lists no version ${dvid} of ${slug}`);
  if (version.status !== 'published') {
    throw new KfmError('usage', `${slug}@${dvid} is ${version.status}: only promoted (published) versions are projected`);
  }
  return { registry, version };
}

async function readUncataloguedVersion(paths: ProjectPaths, store: FeatureSource, registry: DatasetRegistry, version: RegistryVersion): Promise<ProjectedVersion> {
  const slug = registry.dataset_slug;
  const dvid = version.dataset_version_id;
  const files = versionChecksums(paths.dataDir, slug, dvid, version.spec_hash);
  const artifacts: FeatureArtifact[] = [];
  let bbox = null;
  for (const f of files.filter(isFeatureArtifact).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const summary = await featureCountAndBbox(store, f);
    artifacts.push({ path: f.path, digest: f.digest, media_type: f.media_type, feature_count: summary.count });
    bbox = unionBbox(bbox, summary.bbox);
  }
  const spec = await versionSpec(paths, registry, version);
  return {
    dataset_slug: slug,
    title: spec?.title ?? registry.title,
    dataset_version_id: dvid,
    spec_hash: version.spec_hash,
    policy_label: spec ? policyLabelOf(spec) : registry.policy_label,
    extents: { bbox, temporal: sliceInterval(version.slice) },
    qa_summary: await qaSummary(store, files),
    produced_at: versionProducedAt(paths.dataDir, slug, dvid),
    artifacts,
  };
}
