/**
 * `kfm serve` in a test: the real CLI as a child process on 127.0.0.1 (a free port), and the
 * Kansas project states the serve tests look at (a denied promotion, a restricted dataset).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KFM_BIN, RunningCli, type CliResult } from './cliRig.js';
import type { KansasProject } from './kansasProject.js';

export interface RunningServe {
  url: string;
  cli: RunningCli;
  /** SIGTERM, then how it ended. */
  stop(): Promise<CliResult>;
}

/** Starts `kfm serve --port 0 --json` in `dir` and waits for the line naming its URL. */
export async function startServe(dir: string, env: NodeJS.ProcessEnv = {}): Promise<RunningServe> {
  const cli = new RunningCli(['serve', '--port', '0', '--json'], dir, 600_000, env);
  await cli.waitFor('stdout', /\n/, 60_000);
  const line = JSON.parse(cli.stdout.split('\n')[0]!) as { url: string };
  return {
    url: line.url,
    cli,
    stop: async () => {
      cli.kill('SIGTERM');
      return cli.exited;
    },
  };
}

function kfm(dir: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KFM_BIN, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A denied promotion of ks_places: a reprocessed version (the places attribution edited, so
 * its spec hash changes) put to promotion under a policy that no longer allows CC-BY-4.0
 * (gate B denies). The first version stays live. Returns the denied version and the
 * promote report's status.
 */
export function denyPlacesPromotion(project: KansasProject): { dvid: string; status: string } {
  const kfmfile = join(project.dir, 'kfmfile.ts');
  const text = readFileSync(kfmfile, 'utf8');
  const edited = text.replace('      attribution: GEONAMES_ATTRIBUTION,\n', "      attribution: GEONAMES_ATTRIBUTION + ' Reprocessed.',\n");
  if (edited === text) throw new Error('kfmfile.ts: the places attribution parameter was not found');
  writeFileSync(kfmfile, edited);
  const build = kfm(project.dir, ['build', '--json', 'ks_places']);
  if (build.code !== 0) throw new Error(`kfm build ks_places exited ${build.code}: ${build.stderr}`);
  const dvid = (JSON.parse(build.stdout) as { versions: { dataset_slug: string; dataset_version_id: string }[] }).versions.find((v) => v.dataset_slug === 'ks_places')!.dataset_version_id;
  const policyFile = join(project.dir, 'kfm.policy.json');
  const policy = JSON.parse(readFileSync(policyFile, 'utf8')) as { licences: { id: string }[] };
  policy.licences = policy.licences.filter((l) => l.id !== 'CC-BY-4.0');
  writeFileSync(policyFile, JSON.stringify(policy, null, 2) + '\n');
  const promote = kfm(project.dir, ['promote', '--json', `ks_places@${dvid}`]);
  return { dvid, status: (JSON.parse(promote.stdout) as { status: string }).status };
}

/**
 * A restricted dataset beside the Kansas ones: ks_counties's registry copied as
 * `registry/<slug>.json`, labelled `restricted` (the registry is what every route reads first).
 */
export function addRestrictedRegistry(project: KansasProject, slug: string): void {
  const registry = JSON.parse(readFileSync(join(project.dir, 'registry', 'ks_counties.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(project.dir, 'registry', `${slug}.json`), JSON.stringify({ ...registry, dataset_slug: slug, title: 'A restricted dataset', policy_label: 'restricted' }, null, 2) + '\n');
}
