import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hashFileSync } from '../../../core/hashFile.js';
import { KfmError } from '../../../core/error.js';
import type { Drift } from '../projectionTarget.js';
import { featureCountOf, type ProjectedVersion } from '../projectedVersion.js';
import { readMbtilesFacts, readPmtilesFacts, type ArchiveFacts } from './readArchiveMetadata.js';
import { ARCHIVE_FORMATS, currentArchive, readTilesManifest, type ArchiveFormat } from './tilesManifest.js';

const readFacts: Record<ArchiveFormat, (path: string) => ArchiveFacts> = { mbtiles: readMbtilesFacts, pmtiles: readPmtilesFacts };

/**
 * The drifts of a version's tile archives: its manifest against the version (feature count,
 * bounds), each archive against its manifest (present, same digest) and against the
 * version (the dvid, feature count and bounds its own metadata names), and, when
 * `expectCurrent`, the dataset's projected archives against the version's.
 */
export function tilesDrift(dir: string, version: ProjectedVersion, expectCurrent: boolean): Drift[] {
  const { dataset_slug: slug, dataset_version_id: dvid } = version;
  const id = `${slug}@${dvid}`;
  const manifest = readTilesManifest(dir, slug, dvid);
  if (!manifest) return [{ what: 'missing_version', expected: dvid, actual: null, message: `${id} has no tile archives (no ${slug}/${dvid}.tiles.json)` }];
  const drifts: Drift[] = [];
  const add = (what: string, expected: unknown, actual: unknown, message: string) => drifts.push({ what, expected, actual, message });
  const count = featureCountOf(version);
  const bounds = version.extents.bbox;
  if (manifest.feature_count !== count) add('feature_count', count, manifest.feature_count, `${id}: ${manifest.feature_count} features tiled, the version has ${count}`);
  if (bounds && JSON.stringify(manifest.bounds) !== JSON.stringify(bounds)) add('extent', bounds, manifest.bounds, `${id}: tiles bounded by ${JSON.stringify(manifest.bounds)}, the version by ${JSON.stringify(bounds)}`);
  for (const format of ARCHIVE_FORMATS) {
    const archive = manifest.archives[format];
    const path = join(dir, archive.path);
    if (!existsSync(path)) {
      add('archive_missing', archive.path, null, `${id}: ${archive.path} is missing`);
      continue;
    }
    const digest = hashFileSync(path).digest;
    if (digest !== archive.digest) add('archive_digest', archive.digest, digest, `${id}: ${archive.path} was replaced (its digest is ${digest}, the load wrote ${archive.digest})`);
    let facts: ArchiveFacts;
    try {
      facts = readFacts[format](path);
    } catch (e) {
      if (!(e instanceof KfmError)) throw e;
      add('archive_unreadable', format, null, `${id}: ${e.message}`);
      continue;
    }
    if (facts.dataset_version_id !== dvid) add('archive_version', dvid, facts.dataset_version_id, `${id}: ${archive.path} holds ${facts.dataset_version_id ?? 'no version'}`);
    else if (facts.feature_count !== count) add('archive_feature_count', count, facts.feature_count, `${id}: ${archive.path} says ${facts.feature_count} features, the version has ${count}`);
    if (expectCurrent) {
      const current = join(dir, currentArchive(slug, format));
      const at = existsSync(current) ? hashFileSync(current).digest : null;
      if (at !== archive.digest) add('not_current', archive.digest, at, `${currentArchive(slug, format)} is not ${id}'s archive`);
    }
  }
  return drifts;
}
