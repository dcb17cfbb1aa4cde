import type { VersionZone } from '../../core/versionZones.js';

/**
 * Where a version's catalog lives and how its parts name each other. Paths are relative to
 * data/ and `/`-separated. Absolute links (STAC's `self`, DCAT's download URLs) are the base
 * URL (the kfmfile's `catalog.baseUrl`, default `kfm://data/`: the project's data/ tree)
 * followed by the path under data/, so a catalog never holds a machine path and is the same
 * bytes in every checkout.
 */

/** The base URL when the kfmfile names none: `kfm://data/<path>` is the file at data/<path>. */
export const DEFAULT_CATALOG_BASE_URL = 'kfm://data/';

/** The catalog's format (`kfm:catalog_version` in every catalog file). */
export const CATALOG_VERSION = 'v1';

export interface CatalogLayout {
  slug: string;
  dvid: string;
  /** `catalog/<slug>/<dvid>`. */
  dir: string;
  dcat: string;
  collection: string;
  prov: string;
  /** `catalog/<slug>/<dvid>/stac/items/<name>.json`. */
  item(name: string): string;
  /** `<zone>/<slug>/<dvid>/<path>`: `processed/…`, or `quarantine/…` for a quarantined version an override promotes. */
  processed(path: string): string;
}

export function catalogLayout(slug: string, dvid: string, zone: VersionZone = 'processed'): CatalogLayout {
  const dir = `catalog/${slug}/${dvid}`;
  return {
    slug,
    dvid,
    dir,
    dcat: `${dir}/dcat.jsonld`,
    collection: `${dir}/stac/collection.json`,
    prov: `${dir}/prov/bundle.jsonld`,
    item: (name) => `${dir}/stac/items/${name}.json`,
    processed: (path) => `${zone}/${slug}/${dvid}/${path}`,
  };
}

/** `to` relative to the folder of `from` (both relative to data/). */
export function relativeHref(from: string, to: string): string {
  const a = from.split('/').slice(0, -1);
  const b = to.split('/');
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  const rest = b.slice(i).join('/');
  return up === 0 ? `./${rest}` : `${'../'.repeat(up)}${rest}`;
}

/** The id of a dataset version: `kfm://dataset/<slug>@<dvid>` (the DCAT record's @id). */
export const datasetUri = (slug: string, dvid: string): string => `kfm://dataset/${slug}@${dvid}`;

/** EvidenceRefs (no network): `dcat://<slug>@<dvid>`, `stac://<slug>@<dvid>[/items/<name>]`, `prov://<slug>@<dvid>`, `doc://<path under data/>`. */
export const dcatRef = (slug: string, dvid: string): string => `dcat://${slug}@${dvid}`;
export const stacRef = (slug: string, dvid: string, item?: string): string => `stac://${slug}@${dvid}${item === undefined ? '' : `/items/${item}`}`;
export const provRef = (slug: string, dvid: string): string => `prov://${slug}@${dvid}`;
export const docRef = (path: string): string => `doc://${path}`;

/** The name of the Item of an artifact: its path without the extension, `/` → `__` (`ks_counties.geojson` → `ks_counties`). */
export function itemName(artifactPath: string): string {
  return artifactPath.replace(/\.[^./]+$/, '').replaceAll('/', '__');
}

/** An absolute URL of a path under data/ (the base ends in `/`). */
export const absoluteUrl = (base: string, path: string): string => `${base}${path}`;
