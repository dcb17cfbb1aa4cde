/**
 * The tiler's worker thread: a corrupt artifact in the store and a heap too small each
 * come back as a located KfmError (not a crash), and nothing is left as the version's
 * archives. Needs dist/ (the worker runs compiled JavaScript).
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KfmError } from '../../core/error.js';
import { FileContentStore } from '../../store/contentStore.js';
import type { ProjectedVersion } from '../../stages/projections/projectedVersion.js';
import { TilesTarget } from '../../stages/projections/tiles/tilesTarget.js';

describe('the tiler worker', () => {
  let dir: string;
  let store: FileContentStore;
  let version: ProjectedVersion;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfm-tileworker-'));
    store = new FileContentStore(join(dir, 'store'));
    // 20,000 points on a grid: enough features that an 8 MB heap cannot tile them.
    const features = Array.from({ length: 20_000 }, (_, i) => ({ type: 'Feature', properties: { name: `p${i}` }, geometry: { type: 'Point', coordinates: [-100 + (i % 200) * 0.03, 37 + Math.floor(i / 200) * 0.03] } }));
    const { digest } = store.putBytes(Buffer.from(JSON.stringify({ type: 'FeatureCollection', features })));
    version = {
      dataset_slug: 'grid', title: 'Grid', dataset_version_id: '2017.00000002', spec_hash: `sha256:${'2'.repeat(64)}`, policy_label: 'public',
      extents: { bbox: [-100, 37, -94.03, 39.97], temporal: null }, qa_summary: { status: 'pass', checks: [], report_digest: null },
      produced_at: '2026-01-01T00:00:00.000Z', artifacts: [{ path: 'grid.geojson', digest, media_type: 'application/geo+json', feature_count: 20_000 }],
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (t: TilesTarget) => t.load(version).then(() => undefined, (e: unknown) => e as KfmError);

  it('reports a heap too small as a KfmError naming the cap', async () => {
    const target = new TilesTarget({ dir: join(dir, 'small'), store, zoom: { minzoom: 0, maxzoom: 12 }, heapMb: 8 });
    expect(await refusal(target)).toMatchObject({ code: 'state', message: 'tiling grid@2017.00000002 ran out of its 8 MB heap: raise the tiles target\'s heapMb' });
    expect(existsSync(join(dir, 'small', 'grid', '2017.00000002.tiles.json'))).toBe(false);
  });

  it('passes the store\'s KfmError for a corrupt artifact back from the worker', async () => {
    const path = store.pathOf(version.artifacts[0]!.digest);
    chmodSync(path, 0o644);
    writeFileSync(path, '{"type":"FeatureCollection","features":[]}');
    const target = new TilesTarget({ dir: join(dir, 'corrupt'), store, zoom: { minzoom: 0, maxzoom: 4 } });
    const e = await refusal(target);
    expect(e).toMatchObject({ code: 'store' });
    expect(e!.message).toContain(`store object ${version.artifacts[0]!.digest} is corrupt`);
    expect(existsSync(join(dir, 'corrupt', 'grid'))).toBe(false);
  });
});
