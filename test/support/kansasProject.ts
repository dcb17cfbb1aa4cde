/**
 * The project's own Kansas pipeline built and promoted in a temp copy (kfmfile.ts and
 * tasks/, node_modules linked), through the real CLI: what the projection tests load.
 * `dist/` must be built (`node scripts/build.mjs`).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectPaths, type ProjectPaths } from '../../engine/load/projectPaths.js';
import { FileContentStore } from '../../store/contentStore.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KFM = join(REPO, 'bin', 'kfm.js');

export const KANSAS_SLUGS = ['ks_counties', 'ks_places', 'ks_places_per_county'] as const;
export type KansasSlug = (typeof KANSAS_SLUGS)[number];

export interface KansasProject {
  dir: string;
  paths: ProjectPaths;
  store: FileContentStore;
  /** Each dataset's promoted version. */
  dvids: Record<KansasSlug, string>;
  remove(): void;
}

function kfm(dir: string, args: string[]): string {
  const r = spawnSync(process.execPath, [KFM, ...args], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kfm ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Builds the three Kansas datasets and promotes each version (`kfm build`, `kfm promote`). */
export function buildKansasProject(): KansasProject {
  mkdirSync(join(REPO, '.kfm-test'), { recursive: true });
  const dir = mkdtempSync(join(REPO, '.kfm-test', 'projections-'));
  cpSync(join(REPO, 'kfmfile.ts'), join(dir, 'kfmfile.ts'));
  // What promotion decides against (gates B and C): the repository's own policy.
  cpSync(join(REPO, 'kfm.policy.json'), join(dir, 'kfm.policy.json'));
  cpSync(join(REPO, 'tasks'), join(dir, 'tasks'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  const report = JSON.parse(kfm(dir, ['build', '--json'])) as { versions: { dataset_slug: KansasSlug; dataset_version_id: string }[] };
  const dvids = {} as Record<KansasSlug, string>;
  for (const v of report.versions) {
    dvids[v.dataset_slug] = v.dataset_version_id;
    kfm(dir, ['promote', `${v.dataset_slug}@${v.dataset_version_id}`]);
  }
  const paths = projectPaths(join(dir, 'kfmfile.ts'));
  return { dir, paths, store: new FileContentStore(paths.storeDir), dvids, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
