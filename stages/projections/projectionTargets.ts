import { join } from 'node:path';
import { KfmError } from '../../core/error.js';
import { PROJECTION_TARGET_NAMES, type ProjectionOptions, type ProjectionTargetName } from '../../core/kfmConfig.js';
import type { ContentStore } from '../../store/contentStore.js';
import type { ProjectPaths } from '../../engine/load/projectPaths.js';
import type { ProjectionTarget } from './projectionTarget.js';
import { PostgisTarget } from './postgis/postgisTarget.js';
import { postgresUrl } from './postgis/postgresUrl.js';
import { SqliteTarget } from './sqlite/sqliteTarget.js';
import type { TileOptions } from './tiles/generateTiles.js';
import { TilesTarget } from './tiles/tilesTarget.js';

/** A target kfm opens: `search` is not one of its own, it is the FTS5 index of the SQLite projection (and the tsvector of PostGIS). */
export type TargetKind = 'sqlite' | 'postgis' | 'tiles';
export const TARGET_KINDS: readonly TargetKind[] = ['sqlite', 'postgis', 'tiles'];

/** Where a project's projections live, resolved from the kfmfile's `projections` (or the defaults). */
export interface ProjectionSettings {
  paths: ProjectPaths;
  /** The targets a build keeps current (the kfmfile's `projections.targets`; none by default). */
  declared: ProjectionTargetName[];
  sqlitePath: string;
  tilesDir: string;
  postgisSchema: string;
  zoom: { minzoom: number; maxzoom: number };
  env: NodeJS.ProcessEnv;
}

export function projectionSettings(paths: ProjectPaths, options: ProjectionOptions | undefined, env: NodeJS.ProcessEnv = process.env): ProjectionSettings {
  return {
    paths,
    declared: options?.targets ?? [],
    sqlitePath: join(paths.root, options?.sqlite?.path ?? join('projections', 'kfm.sqlite')),
    tilesDir: join(paths.root, options?.tiles?.dir ?? join('projections', 'tiles')),
    postgisSchema: options?.postgis?.schema ?? 'kfm',
    zoom: { minzoom: options?.tiles?.minzoom ?? 0, maxzoom: options?.tiles?.maxzoom ?? 10 },
    env,
  };
}

/** `--targets sqlite,search,tiles`: known names, no repeats. */
export function parseTargetNames(text: string): ProjectionTargetName[] {
  const names = text.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(PROJECTION_TARGET_NAMES as readonly string[]).includes(n)) throw new KfmError('usage', `--targets: unknown target "${n}" (targets: ${PROJECTION_TARGET_NAMES.join(', ')})`);
  }
  if (new Set(names).size !== names.length) throw new KfmError('usage', `--targets names a target twice: ${text}`);
  return names as ProjectionTargetName[];
}

/** The targets kfm opens for the names given, in a fixed order: `search` is the SQLite projection's index. */
export function targetKinds(names: readonly ProjectionTargetName[]): TargetKind[] {
  const kinds = new Set<TargetKind>(names.map((n) => (n === 'search' ? 'sqlite' : n)));
  return TARGET_KINDS.filter((k) => kinds.has(k));
}

/** Fails before anything is written when a target cannot be reached at all (PostGIS without KFM_POSTGRES_URL). */
export function checkReachable(kinds: readonly TargetKind[], settings: ProjectionSettings): void {
  if (kinds.includes('postgis')) postgresUrl(settings.env);
}

/** Opens one target; `zoom` is the version's range (its spec's `tiles`, else the kfmfile's). */
export function openTarget(kind: TargetKind, settings: ProjectionSettings, store: ContentStore, zoom: Pick<TileOptions, 'minzoom' | 'maxzoom'>): ProjectionTarget {
  switch (kind) {
    case 'sqlite':
      return new SqliteTarget({ path: settings.sqlitePath, store });
    case 'postgis':
      return new PostgisTarget({ store, schema: settings.postgisSchema, env: settings.env });
    case 'tiles':
      return new TilesTarget({ dir: settings.tilesDir, store, zoom });
  }
}

/** The files a target's fingerprint covers; null for PostGIS (always checked in full). */
export function targetFiles(kind: TargetKind, settings: ProjectionSettings): string[] | null {
  switch (kind) {
    case 'sqlite':
      return [settings.sqlitePath, `${settings.sqlitePath}-wal`];
    case 'tiles':
      return [settings.tilesDir];
    case 'postgis':
      return null;
  }
}
