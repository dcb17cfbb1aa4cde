/**
 * kfm as a package in someone else's project: `npm pack` of a clean copy of this repository
 * (its prepack builds dist/ and the type declarations), `npm install ./kfm-x.y.z.tgz` into an
 * empty directory, `npx kfm init`, `npx kfm build`, `kfm receipts verify`, and the user's
 * kfmfile and task type-checked against the installed package's types.
 *
 * The install needs the npm registry (or npm's cache, which `npm ci` filled). It runs with
 * --ignore-scripts: better-sqlite3 has no prebuilt binary reachable here and compiling it
 * takes over a minute, so the test puts the repository's compiled binary (the same version,
 * for the same Node) into the installed package. Everything else is what a user gets.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cliRig.js';

const work = mkdtempSync(join(tmpdir(), 'kfm-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', npm_config_update_notifier: 'false' }, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the repository's tracked files (a clean checkout), with its node_modules linked. */
function cleanCopy(): string {
  const copy = join(work, 'src');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(REPO_ROOT, f))) continue;
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(copy, f));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

describe('npm pack → npm install → kfm init → kfm build', () => {
  it('installs into an empty directory with compiled code and types, and a starter project builds', () => {
    const copy = cleanCopy();
    const pack = run('npm', ['pack', '--pack-destination', work], copy);
    expect(pack.code, pack.stderr).toBe(0);
    const tgz = readdirSync(work).find((f) => /^kfm-.*\.tgz$/.test(f))!;
    const listing = execFileSync('tar', ['tzf', join(work, tgz)], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/dist/cli/kfm.js');
    expect(listing).toContain('package/dist-types/api/index.d.ts');
    expect(listing).toContain('package/schemas/run-receipt.schema.json');
    expect(listing.filter((f) => f.startsWith('package/test/'))).toEqual([]);

    const user = join(work, 'project');
    mkdirSync(user);
    writeFileSync(join(user, 'package.json'), JSON.stringify({ name: 'demo', private: true, type: 'module' }, null, 2) + '\n');
    const install = run('npm', ['install', join(work, tgz), '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], user);
    expect(install.code, install.stderr).toBe(0);
    cpSync(join(REPO_ROOT, 'node_modules/better-sqlite3/build'), join(user, 'node_modules/better-sqlite3/build'), { recursive: true });

    const kfm = (...args: string[]) => run(join(user, 'node_modules/.bin/kfm'), args, user);
    const init = kfm('init');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toBe(
      ['wrote    kfmfile.ts', 'wrote    tasks/csvToGeojson.ts', 'wrote    src/places.csv', 'wrote    .gitignore (created)', 'next: kfm build    (then kfm status places, kfm log, kfm --help)', ''].join('\n'),
    );
    expect(readFileSync(join(user, '.gitignore'), 'utf8')).toBe('.kfm/\ndata/\n/projections/\nnode_modules/\n');
    // A second init writes nothing.
    expect(kfm('init')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^kfm: kfmfile\.ts, tasks\/csvToGeojson\.ts, src\/places\.csv already exist in .*: kfm init writes only into a project without them \(nothing was written\)\n$/) });

    const build = kfm('build', '--reporter', 'plain');
    expect(build.code, build.stdout + build.stderr).toBe(0);
    expect(build.stdout).toMatch(/^build succeeded: 2 executed, 0 cached, 0 failed, 0 skipped in /m);
    const dvid = /^version {2}places@(2024\.[0-9a-f]{8}) \(new/m.exec(build.stdout)![1]!;
    const geojson = JSON.parse(readFileSync(join(user, 'data/processed/places', dvid, 'places.geojson'), 'utf8')) as { features: { properties: { name: string } }[] };
    expect(geojson.features.map((f) => f.properties.name)).toEqual(['Lawrence', 'Topeka', 'Wichita']);
    expect(kfm('receipts', 'verify').code).toBe(0);
    expect(kfm('build', '--reporter', 'plain').stdout).toMatch(/^build succeeded: 0 executed, 2 cached/m);

    // The user's TypeScript sees kfm's declarations (strict, as a new project would set it).
    writeFileSync(
      join(user, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, include: ['kfmfile.ts', 'tasks'] }),
    );
    const tsc = run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.'], user);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 300_000);
});
