/**
 * A second real version of ks_places in a built Kansas project: the places transform's
 * attribution parameter edited (its spec hash changes), rebuilt and promoted. Returns the
 * new version's dvid; the first stays published beside it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, type KansasProject } from './kansasProject.js';

export function reprocessKansasPlaces(project: KansasProject): string {
  const file = join(project.dir, 'kfmfile.ts');
  const text = readFileSync(file, 'utf8');
  const edited = text.replace('      attribution: GEONAMES_ATTRIBUTION,\n', "      attribution: GEONAMES_ATTRIBUTION + ' Reprocessed.',\n");
  if (edited === text) throw new Error('kfmfile.ts: the places attribution parameter was not found');
  writeFileSync(file, edited);
  const kfm = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'kfm.js'), ...args], { cwd: project.dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const report = JSON.parse(kfm(['build', '--json', 'ks_places'])) as { versions: { dataset_slug: string; dataset_version_id: string }[] };
  const dvid = report.versions.find((v) => v.dataset_slug === 'ks_places')!.dataset_version_id;
  if (dvid === project.dvids.ks_places) throw new Error('the edit made no new version of ks_places');
  kfm(['promote', `ks_places@${dvid}`]);
  return dvid;
}
