// Compiles kfm's own TypeScript (api/, engine/, store/, tasks/, cli/) to dist/ with swc.
// Type checking is separate (`npm run typecheck`); this only strips types, so it is fast.
import { transformFile } from '@swc/core';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sourceDirs = ['api', 'core', 'engine', 'store', 'stages', 'tasks', 'cli'];
const dist = join(root, 'dist');
// Build beside dist/ and swap it in, so a kfm running meanwhile never sees a half-built tree.
const out = join(root, `.dist-${process.pid}`);

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if (e.code === 'ENOENT') return;
    throw e;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (/\.tsx?$/.test(entry.name) && !/\.(test|d)\.tsx?$/.test(entry.name)) yield path;
  }
}

await rm(out, { recursive: true, force: true });
const jobs = [];
for (const dir of sourceDirs) {
  for await (const file of walk(join(root, dir))) {
    jobs.push(
      (async () => {
        const target = join(out, relative(root, file)).replace(/\.tsx?$/, '.js');
        const { code } = await transformFile(file, {
          swcrc: false,
          sourceMaps: 'inline',
          // Relative to the compiled file: the same bytes in every checkout, so the code
          // digests of built-in tasks (and the spec hashes naming them) do not depend on
          // where the project lives.
          sourceFileName: relative(dirname(join(dist, relative(root, file))), file),
          jsc: {
            parser: { syntax: 'typescript', tsx: file.endsWith('.tsx') },
            target: 'es2022',
            transform: { react: { runtime: 'automatic' } },
          },
          module: { type: 'es6' },
        });
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, code);
      })(),
    );
  }
}
await Promise.all(jobs);
await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }) + '\n');
const old = join(root, `.dist-old-${process.pid}`);
await rename(dist, old).catch((e) => {
  if (e.code !== 'ENOENT') throw e;
});
await rename(out, dist);
await rm(old, { recursive: true, force: true });
