import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import type { ContentStore } from '../../store/contentStore.js';
import { evidenceRefOf, type EvidenceRef } from './evidenceRef.js';
import { geometryBbox } from '../../core/geometryBbox.js';
import type { Bbox, FeatureArtifact, ProjectedVersion } from './projectedVersion.js';

/** A feature as every target stores it: where it came from, its geometry and properties. */
export interface ProjectedFeature {
  dataset_slug: string;
  dataset_version_id: string;
  artifact_digest: Digest;
  /** Its position in the artifact's `features` (the EvidenceRef's fragment). */
  feature_index: number;
  /** The GeoJSON feature's own `id`, as text, when it has one. */
  feature_id: string | null;
  evidence_ref: EvidenceRef;
  geometry: Geometry | null;
  properties: Record<string, unknown> | null;
  bbox: Bbox | null;
}

/** The store calls reading a version's features needs. */
export type FeatureSource = Pick<ContentStore, 'get'>;

/**
 * The features of an artifact, read from the content store by digest (the store verifies
 * the bytes). Not a FeatureCollection: a KfmError `store` naming the artifact.
 */
export async function artifactFeatures(store: FeatureSource, artifact: Pick<FeatureArtifact, 'path' | 'digest'>): Promise<Feature[]> {
  const bytes = await store.get(artifact.digest);
  let doc: Partial<FeatureCollection>;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Partial<FeatureCollection>;
  } catch (e) {
    throw new KfmError('store', `${artifact.path} (${artifact.digest}) is not JSON: ${(e as Error).message}`);
  }
  if (doc?.type !== 'FeatureCollection' || !Array.isArray(doc.features)) {
    throw new KfmError('store', `${artifact.path} (${artifact.digest}) is not a GeoJSON FeatureCollection`);
  }
  return doc.features;
}

/** Every feature of a version, artifact by artifact, each with its EvidenceRef and dvid. */
export async function* versionFeatures(store: FeatureSource, version: ProjectedVersion): AsyncGenerator<ProjectedFeature[]> {
  for (const artifact of version.artifacts) {
    const features = await artifactFeatures(store, artifact);
    yield features.map((f, i) => projectedFeature(version, artifact.digest, f, i));
  }
}

function projectedFeature(version: ProjectedVersion, digest: Digest, f: Feature, index: number): ProjectedFeature {
  return {
    dataset_slug: version.dataset_slug,
    dataset_version_id: version.dataset_version_id,
    artifact_digest: digest,
    feature_index: index,
    feature_id: f.id === undefined || f.id === null ? null : String(f.id),
    evidence_ref: evidenceRefOf(digest, index),
    geometry: f.geometry ?? null,
    properties: (f.properties as Record<string, unknown> | null) ?? null,
    bbox: geometryBbox(f.geometry ?? null),
  };
}
