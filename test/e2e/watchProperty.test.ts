/**
 * Watch mode is as exact as a build: `kfm build --watch --json` is driven through a seeded
 * sequence of random edits (input files, a glob's files, a param in the kfmfile, a module a
 * task imports, a task's code), and after each settled cycle its node keys, dataset version
 * ids and data/ bytes equal those of a clean build of the same files in a fresh copy.
 *
 * Each edit is one atomic rename (written beside the project, then moved into place), so
 * it is one change and one cycle; what is asserted is the cycles' reports, never timings.
 */
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KFMFILE_HEADER, SHOUT_LIB, UPPER_TASK, useCliRigs, type BuildReport, type CliRig, type FileMap } from '../support/cliRig.js';
import { Prng } from '../support/prng.js';
import { citesReceipts, withoutRunFacts } from '../support/catalogRunFacts.js';

const newRig = useCliRigs();

const SEEDS = [1, 2, 3, 4, 5];
const EDITS = 6;

const PLAIN_TASK = `import type { TaskContext } from 'kfm';
export default async function plain(ctx: TaskContext): Promise<void> {
  const parts: string[] = [];
  for (const input of ctx.inputs) parts.push(input.path + '=' + (await input.read()).toString('utf8'));
  await ctx.output(\`\${ctx.task}.txt\`, parts.join('\\n'), 'text/plain');
}
`;

const kfmfile = (suffix: string) => `${KFMFILE_HEADER}export default defineKfm({ datasets: [
  dataset(spec('alpha'), [
    task('a', { run: './upper.ts', inputs: ['src/a.txt'], zone: 'work' }),
    task('b', { run: './upper.ts', inputs: ['src/b.txt'], deps: ['a'], params: { suffix: ${JSON.stringify(suffix)} } }),
  ], { slice: '2017' }),
  dataset(spec('gamma'), [
    task('d', { run: './plain.ts', inputs: ['src/b.txt'] }),
    task('g', { run: './plain.ts', inputs: ['tables/*.csv'] }),
  ], { slice: '2018' }),
] });
`;

const SHOUTS = [SHOUT_LIB, 'export const shout = (s: string): string => s.toUpperCase() + "#";\n', 'export const shout = (s: string): string => s.toLowerCase();\n'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'alpha', 'beta 2'];
const SUFFIXES = ['!', '?', '.', '!!'];

/** One random edit of the project's files (what it becomes): never leaves the glob empty. */
function randomEdit(prng: Prng, files: Map<string, string>, n: number): { path: string; contents: string | null } {
  const tables = [...files.keys()].filter((p) => p.startsWith('tables/'));
  switch (prng.int(0, 5)) {
    case 0:
      return { path: 'src/a.txt', contents: prng.pick(WORDS) };
    case 1:
      return { path: 'src/b.txt', contents: prng.pick(WORDS) };
    case 2:
      if (tables.length > 1 && prng.chance(0.5)) return { path: prng.pick(tables), contents: null };
      return { path: `tables/t${prng.int(0, 3)}.csv`, contents: `x\n${prng.int(0, 9)}\n` };
    case 3:
      return { path: 'kfmfile.ts', contents: kfmfile(prng.pick(SUFFIXES)) };
    case 4:
      return { path: 'lib/shout.ts', contents: prng.pick(SHOUTS) };
    default:
      // Code that changes, output that does not (early cutoff downstream).
      return { path: 'plain.ts', contents: `${PLAIN_TASK}// revision ${n}\n` };
  }
}

/** Files under data/ of the report's versions (receipts excluded: they name when and by whom): path → sha256. */
function versionFiles(rig: CliRig, report: BuildReport): Record<string, string> {
  const out: Record<string, string> = {};
  const dvids = new Map(report.versions.map((v) => [`${v.dataset_slug}/${v.dataset_version_id}`, baseDvid(v.dataset_version_id, v.inputs_digest)]));
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const rel = relative(rig.path('data'), p);
        const [zone, slug, dvid, ...rest] = rel.split('/');
        const base = dvids.get(`${slug}/${dvid}`);
        if (base === undefined || rel.includes('/receipts/')) continue;
        // checksums.json names its version: by the id without the suffix, as above.
        let bytes = e.name === 'checksums.json' ? Buffer.from(readFileSync(p, 'utf8').replaceAll(`"${dvid}"`, `"${base}"`)) : readFileSync(p);
        // So does the catalog, with checksums.json's digest; its DCAT and PROV files cite the receipts (run ids, times).
        if (zone === 'catalog') {
          const checksums = createHash('sha256').update(readFileSync(rig.path('data/processed', slug!, dvid!, 'checksums.json'))).digest('hex');
          let text = bytes.toString('utf8').replaceAll(dvid!, base).replaceAll(checksums, '<checksums.json>');
          if (rel.endsWith('/stac/collection.json')) {
            // And its size (the suffix is in it).
            const doc = JSON.parse(text) as { assets: { checksums: Record<string, unknown> } };
            doc.assets.checksums['file:size'] = '<size of checksums.json>';
            text = JSON.stringify(doc);
          }
          bytes = Buffer.from(citesReceipts(rel) ? withoutRunFacts(text) : text);
        }
        out[[zone, slug, base, ...rest].join('/')] = createHash('sha256').update(bytes).digest('hex');
      }
    }
  };
  walk(rig.path('data'));
  return out;
}

const keys = (r: BuildReport) => r.nodes.map((n) => [n.id, n.key, n.status === 'failed' || n.status === 'skipped' ? n.status : 'settled']);
/**
 * A version's facts. Its id depends on the slice's history besides its bytes: a later
 * version of a slice with the same spec hash (watch mode made one before) gets the first 8
 * hex of its inputs digest appended (a reprocess), which a clean build's first version
 * does not; so the id is compared without that suffix, and the inputs digest in full.
 */
const versions = (r: BuildReport) => r.versions.map((v) => [v.dataset_slug, v.slice, baseDvid(v.dataset_version_id, v.inputs_digest), v.spec_hash, v.inputs_digest]);
function baseDvid(dvid: string, inputsDigest: string): string {
  const suffix = `.${inputsDigest.slice('sha256:'.length, 'sha256:'.length + 8)}`;
  return dvid.endsWith(suffix) ? dvid.slice(0, -suffix.length) : dvid;
}

const scratch = mkdtempSync(join(tmpdir(), 'kfm-watch-edits-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('watch mode under random edits', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: after each cycle, keys, versions and data/ equal a clean build's`, async () => {
      const prng = new Prng(seed);
      const files = new Map<string, string>([
        ['kfmfile.ts', kfmfile('!')],
        ['upper.ts', UPPER_TASK],
        ['plain.ts', PLAIN_TASK],
        ['lib/shout.ts', SHOUT_LIB],
        ['src/a.txt', 'alpha'],
        ['src/b.txt', 'beta'],
        ['tables/t0.csv', 'x\n1\n'],
      ]);
      const rig = newRig(Object.fromEntries(files) as FileMap);
      const p = rig.start(['build', '--watch', '--json', '-j', '1'], { timeoutMs: 120_000 });
      const reportAfter = async (n: number): Promise<BuildReport> => {
        await p.waitFor('stdout', new RegExp(`^(?:[^\\n]*\\n){${n}}`), 30_000);
        return JSON.parse(p.stdout.split('\n')[n - 1]!) as BuildReport;
      };
      try {
        for (let step = 0; step <= EDITS; step++) {
          if (step > 0) {
            const edit = randomEdit(prng, files, step);
            if (edit.contents === null) {
              files.delete(edit.path);
              unlinkSync(rig.path(edit.path));
            } else {
              files.set(edit.path, edit.contents);
              const tmp = join(scratch, `edit-${seed}-${step}`);
              writeFileSync(tmp, edit.contents);
              renameSync(tmp, rig.path(edit.path));
            }
          }
          const watched = await reportAfter(step + 1);
          expect(watched.status, `seed ${seed} step ${step}`).toBe('succeeded');
          const clean = newRig(Object.fromEntries(files) as FileMap);
          const { result, report } = await clean.buildJson(['-j', '1']);
          expect(result.code, result.stderr).toBe(0);
          expect(keys(watched), `seed ${seed} step ${step}: keys`).toEqual(keys(report));
          expect(versions(watched), `seed ${seed} step ${step}: versions`).toEqual(versions(report));
          expect(versionFiles(rig, watched), `seed ${seed} step ${step}: data/`).toEqual(versionFiles(clean, report));
          await clean.cleanup();
        }
      } finally {
        p.kill('SIGINT');
        await p.exited;
      }
    }, 180_000);
  }
});
