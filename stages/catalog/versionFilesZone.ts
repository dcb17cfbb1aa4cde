import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { VersionZone } from '../../core/versionZones.js';

/**
 * The zone under data/ that holds a version's files: `quarantine/<slug>/<dvid>/` while it is
 * quarantined, and after a steward's override promoted it from there (it has no
 * `processed/<slug>/<dvid>/checksums.json`, its quarantine/ folder has one); `processed/`
 * for every other version.
 */
export function versionFilesZone(dataDir: string, slug: string, dvid: string, status: string | undefined): VersionZone {
  if (status === 'quarantined') return 'quarantine';
  const has = (zone: VersionZone) => existsSync(join(dataDir, zone, slug, dvid, 'checksums.json'));
  return !has('processed') && has('quarantine') ? 'quarantine' : 'processed';
}
