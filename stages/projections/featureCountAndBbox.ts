import { geometryBbox, unionBbox } from '../../core/geometryBbox.js';
import type { Bbox, FeatureArtifact } from './projectedVersion.js';
import { artifactFeatures, type FeatureSource } from './versionFeatures.js';

/** An artifact's feature count and the union of its features' boxes, from its stored bytes. */
export async function featureCountAndBbox(store: FeatureSource, artifact: Pick<FeatureArtifact, 'path' | 'digest'>): Promise<{ count: number; bbox: Bbox | null }> {
  const features = await artifactFeatures(store, artifact);
  let bbox: Bbox | null = null;
  for (const f of features) bbox = unionBbox(bbox, geometryBbox(f.geometry ?? null));
  return { count: features.length, bbox };
}
