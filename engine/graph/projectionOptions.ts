import { PROJECTION_TARGET_NAMES, type KfmConfig, type ProjectionOptions, type ProjectionTargetName } from '../../core/kfmConfig.js';
import type { KfmfileLocator } from './kfmfileLocator.js';

const KNOWN = ['targets', 'sqlite', 'tiles', 'postgis'];
const SUB: Record<string, string[]> = { sqlite: ['path'], tiles: ['dir', 'minzoom', 'maxzoom'], postgis: ['schema'] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The kfmfile's `projections`, checked: known targets (no repeats), known options, paths
 * inside the project (relative, no `..`), a zoom range 0 ≤ minzoom ≤ maxzoom ≤ 24, a plain
 * schema name. Undefined when not given. Connection strings never live here: PostGIS
 * connects with `KFM_POSTGRES_URL`.
 */
export function projectionOptions(config: KfmConfig, at: KfmfileLocator): ProjectionOptions | undefined {
  const opts = (config as { projections?: unknown }).projections;
  if (opts === undefined) return undefined;
  const fail = (message: string): never => at.fail(`projections${message}`, undefined);
  if (!isObject(opts)) fail(' must be an object: { targets: ["sqlite", "tiles"] }');
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.includes(k)) fail(` has an unknown option "${k}" (known: ${KNOWN.join(', ')})`);
  if (o.targets !== undefined) {
    const t = o.targets;
    if (!Array.isArray(t) || t.some((n) => !(PROJECTION_TARGET_NAMES as readonly unknown[]).includes(n))) {
      fail(`.targets must be a list of ${PROJECTION_TARGET_NAMES.join(', ')} (got ${JSON.stringify(t)})`);
    }
    if (new Set(t as string[]).size !== (t as string[]).length) fail(`.targets names a target twice: ${JSON.stringify(t)}`);
  }
  for (const [name, keys] of Object.entries(SUB)) {
    const sub = o[name];
    if (sub === undefined) continue;
    if (!isObject(sub)) fail(`.${name} must be an object`);
    for (const k of Object.keys(sub as object)) if (!keys.includes(k)) fail(`.${name} has an unknown option "${k}" (known: ${keys.join(', ')})`);
  }
  const sqlite = o.sqlite as { path?: unknown } | undefined;
  const tiles = o.tiles as { dir?: unknown; minzoom?: unknown; maxzoom?: unknown } | undefined;
  for (const [where, p] of [['.sqlite.path', sqlite?.path], ['.tiles.dir', tiles?.dir]] as const) {
    if (p !== undefined && !isProjectPath(p)) fail(`${where} ${JSON.stringify(p)} must be a relative path inside the project`);
  }
  const zoom = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 24);
  if (!zoom(tiles?.minzoom) || !zoom(tiles?.maxzoom) || (tiles?.minzoom as number) > ((tiles?.maxzoom as number | undefined) ?? 24)) {
    fail(`.tiles zoom range ${JSON.stringify({ minzoom: tiles?.minzoom, maxzoom: tiles?.maxzoom })} is not integers 0 ≤ minzoom ≤ maxzoom ≤ 24`);
  }
  const schema = (o.postgis as { schema?: unknown } | undefined)?.schema;
  if (schema !== undefined && !(typeof schema === 'string' && /^[a-z_][a-z0-9_]*$/.test(schema))) fail(`.postgis.schema ${JSON.stringify(schema)} must be a lower-case SQL name`);
  return { ...(o as ProjectionOptions), ...(o.targets !== undefined ? { targets: o.targets as ProjectionTargetName[] } : {}) };
}

function isProjectPath(p: unknown): boolean {
  return typeof p === 'string' && p !== '' && !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes('..');
}
