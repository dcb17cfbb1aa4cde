import type { Digest } from '../../core/digest.js';
import { policyLabelOf, type PolicyLabel } from '../../core/policyLabel.js';
import { catalogLayout, type CatalogLayout } from './catalogLayout.js';
import type { CatalogSources } from './catalogSources.js';
import { geojsonBbox, unionBbox, type Bbox } from './geojsonBbox.js';
import { sliceInterval } from './sliceInterval.js';

/** A processed artifact as the catalogs describe it. */
export interface ArtifactFacts {
  /** Relative to the version's processed folder (as checksums.json lists it). */
  path: string;
  /** Relative to data/. */
  dataPath: string;
  digest: Digest;
  size: number;
  media_type: string;
  /** GeoJSON only: computed from its positions. */
  bbox?: Bbox;
  features?: number;
}

/** What the three catalogs share, computed once from the sources. */
export interface CatalogFacts {
  layout: CatalogLayout;
  artifacts: ArtifactFacts[];
  /** Over every GeoJSON artifact; the whole globe when there is none. */
  bbox: Bbox;
  interval: { start: string; end: string };
  policyLabel: PolicyLabel;
  license: string;
  attribution: string | undefined;
  authority: string;
}

const GEOJSON = 'application/geo+json';

/** Reads the GeoJSON artifacts (through the store, verified) for their extents; the rest comes from the sources. */
export async function catalogFacts(s: CatalogSources): Promise<CatalogFacts> {
  const layout = catalogLayout(s.slug, s.dvid, s.zone ?? 'processed');
  const artifacts: ArtifactFacts[] = [];
  for (const f of s.checksums.files) {
    const a: ArtifactFacts = { path: f.path, dataPath: layout.processed(f.path), digest: f.digest, size: f.size, media_type: f.media_type };
    if (f.media_type === GEOJSON) {
      let doc: unknown;
      try {
        doc = JSON.parse((await s.read(f.digest)).toString('utf8'));
      } catch {
        doc = undefined;
      }
      const ext = geojsonBbox(doc);
      if (ext) Object.assign(a, { bbox: ext.bbox, features: ext.features });
    }
    artifacts.push(a);
  }
  const boxes = artifacts.flatMap((a) => (a.bbox ? [a.bbox] : []));
  const terms = s.spec.upstream.terms_snapshot;
  return {
    layout,
    artifacts,
    bbox: unionBbox(boxes) ?? [-180, -90, 180, 90],
    interval: sliceInterval(s.slice),
    policyLabel: policyLabelOf(s.spec),
    license: terms.license,
    attribution: terms.attribution,
    authority: s.spec.upstream.authority,
  };
}
