import type { Feature } from 'geojson';
import { searchText } from '../searchText.js';
import { copyField } from './copyText.js';
import { geometryHexEwkb } from './geometryHexEwkb.js';

/** The columns featureCopyLine writes, in its order (the artifact digest and the rest are the partition's defaults). */
export const FEATURE_COPY_COLUMNS = ['feature_index', 'feature_id', 'geom', 'properties', 'search_text'];

/**
 * A GeoJSON feature of an artifact as a row of COPY text (FEATURE_COPY_COLUMNS): its
 * index, its `id` as text (\N when it has none), its geometry as hex EWKB, its properties
 * as JSON and its search text. Built as one string per row: JSON text holds no raw tab,
 * newline or carriage return (JSON escapes them), so only its backslashes are doubled;
 * the index and the hex are never escaped.
 */
export function featureCopyLine(f: Feature, index: number): string {
  const id = f.id === undefined || f.id === null ? '\\N' : copyField(String(f.id));
  const geom = f.geometry ? geometryHexEwkb(f.geometry) : '\\N';
  const props = (f.properties as Record<string, unknown> | null | undefined) ?? null;
  let json = props === null ? '\\N' : JSON.stringify(props);
  if (props !== null && json.includes('\\')) json = json.replaceAll('\\', '\\\\');
  return `${index}\t${id}\t${geom}\t${json}\t${copyField(searchText(props))}\n`;
}
