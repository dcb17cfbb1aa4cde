/**
 * Projects every dataset's live version of a project into the places `kfm serve` reads
 * (`projections/kfm.sqlite`, `projections/tiles/<slug>.{mbtiles,pmtiles}`), through the
 * projections library (readProjectedVersion + SqliteTarget + TilesTarget). The one place
 * the serve tests make projections: when `kfm rebuild` lands, this becomes a CLI call.
 */
import { readdirSync } from 'node:fs';
import { projectPaths } from '../../engine/load/projectPaths.js';
import { FileContentStore } from '../../store/contentStore.js';
import { readRegistry } from '../../store/registry/datasetRegistry.js';
import { readProjectedVersion } from '../../stages/projections/readProjectedVersion.js';
import { SqliteTarget } from '../../stages/projections/sqlite/sqliteTarget.js';
import { TilesTarget } from '../../stages/projections/tiles/tilesTarget.js';
import { projectionPaths } from '../../cli/serve/serveContext.js';
import { join } from 'node:path';

/** Loads each registered dataset's latest version (tiles to zoom `maxzoom`, default 8); returns the slugs projected. */
export async function projectLiveVersions(dir: string, maxzoom = 8): Promise<string[]> {
  const paths = projectPaths(join(dir, 'kfmfile.ts'));
  const store = new FileContentStore(paths.storeDir);
  const { tilesDir, sqlitePath } = projectionPaths(paths.root);
  const sqlite = new SqliteTarget({ path: sqlitePath, store });
  const tiles = new TilesTarget({ dir: tilesDir, store, zoom: { minzoom: 0, maxzoom } });
  const projected: string[] = [];
  try {
    for (const file of readdirSync(join(dir, 'registry')).sort()) {
      const slug = file.replace(/\.json$/, '');
      const live = readRegistry(dir, slug)?.latest_version_id;
      if (!live) continue;
      const version = await readProjectedVersion(paths, store, slug, live);
      await sqlite.load(version);
      await tiles.load(version);
      projected.push(slug);
    }
  } finally {
    await sqlite.close();
    await tiles.close();
  }
  return projected;
}
