import { afterEach, describe, expect, it } from 'vitest';
import { dataset, defineKfm, task } from '../../api/index.js';
import { CodeDigester } from '../../engine/keys/codeDigest.js';
import { sha256, type Digest } from '../../core/digest.js';
import { KfmError } from '../../core/error.js';
import { FileHasher } from '../../engine/keys/fileHasher.js';
import { EngineRig } from '../support/engineRig.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { testSpec } from '../support/testSpec.js';

function digester(files: Record<string, string>, importCache = new Map<Digest, string[]>()) {
  const fs = new MemoryFileSystem();
  for (const [rel, text] of Object.entries(files)) fs.write(`/proj/${rel}`, text);
  fs.advance(1000);
  const code = new CodeDigester(fs, new FileHasher(fs, new Map()), '/proj', importCache);
  return { fs, code };
}

describe('CodeDigester', () => {
  it('covers the module and, transitively, its local imports (.js naming the .ts source), not packages or types', async () => {
    const files = {
      'tasks/main.ts': [
        "import fg from 'fast-glob';",
        "import type { X } from './types.js';",
        "import { a } from './lib/a.js';",
        "export { b } from './lib/b';",
        "export * from './lib/c.ts';",
        "const lazy = () => import('./lib/lazy.js');",
        "import { gone } from './lib/missing.js';",
      ].join('\n'),
      'tasks/types.ts': 'export type X = 1;\n',
      'tasks/lib/a.ts': "import { main } from '../main.js';\nexport const a = 1;\n", // a cycle back
      'tasks/lib/b.ts': 'export const b = 1;\n',
      'tasks/lib/c.ts': 'export const c = 1;\n',
      'tasks/lib/lazy.ts': 'export const lazy = 1;\n',
      'tasks/unrelated.ts': 'export const u = 1;\n',
    };
    const { code } = digester(files);
    const d = await code.digestOf('/proj/tasks/main.ts');
    expect(d.files).toEqual(
      ['tasks/lib/a.ts', 'tasks/lib/b.ts', 'tasks/lib/c.ts', 'tasks/lib/lazy.ts', 'tasks/main.ts'].map((f) => [f, sha256(files[f as keyof typeof files])]),
    );
    expect(await code.filesOf('/proj/tasks/main.ts')).toHaveLength(5);
  });

  it('does not parse a module whose content digest has known imports', async () => {
    const first = digester({ 'tasks/t.ts': "import './u.js';\n", 'tasks/u.ts': '// u\n' });
    await first.code.digestOf('/proj/tasks/t.ts');
    const cache = new Map(first.code.newImports());
    expect([...cache.values()]).toEqual([['./u.js'], []]);

    const second = digester({ 'tasks/t.ts': "import './u.js';\n", 'tasks/u.ts': '// u\n' }, cache);
    await second.code.digestOf('/proj/tasks/t.ts');
    expect(second.code.newImports()).toEqual([]);
    expect(second.fs.reads.get('/proj/tasks/t.ts')).toBe(1); // the hash; no readFile to parse
  });

  it('locates a syntax error at the line swc marks', async () => {
    const { code } = digester({ 'tasks/t.ts': 'const a = 1;\n\nfunction f() {\n  return a +;\n}\n' });
    const e = await code.digestOf('/proj/tasks/t.ts').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(KfmError);
    // The line only: swc's caret column counts a tab as several spaces.
    expect((e as KfmError).display).toBe('tasks/t.ts:4: cannot parse tasks/t.ts: Expression expected');
  });

  it('a task module with a syntax error is a kfmfile error naming it, not an internal error', async () => {
    const { code } = digester({ 'tasks/broken.ts': 'export default async function ( {\n' });
    const e = await code.digestOf('/proj/tasks/broken.ts').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(KfmError);
    expect((e as KfmError).code).toBe('kfmfile');
    expect((e as KfmError).message).toBe(
      'cannot parse tasks/broken.ts: Unexpected token `<eof>`. Expected identifier, string literal, numeric literal or [ for the computed key',
    );
    expect((e as KfmError).location).toEqual({ file: 'tasks/broken.ts' }); // at the end of the file: swc marks no line
  });
});

describe('a broken task module in a build', () => {
  let rig: EngineRig | undefined;
  afterEach(() => rig?.close());

  it('stops the build before anything runs, with a kfmfile error', async () => {
    rig = new EngineRig();
    rig.task('tasks/ok.ts', async (ctx) => void (await ctx.output('x.txt', 'x', 'text/plain')), '// ok\n');
    rig.task('tasks/bad.ts', async () => {}, "import { x } from './lib/x.js';\n");
    rig.write('tasks/lib/x.ts', 'export const x = ;\n');
    rig.config = defineKfm({
      datasets: [dataset(testSpec('a'), [task('ok', { run: './tasks/ok.ts' }), task('bad', { run: './tasks/bad.ts' })])],
    });
    const e = await rig.build().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(KfmError);
    expect((e as KfmError).display).toBe('tasks/lib/x.ts:1: cannot parse tasks/lib/x.ts: Expression expected');
    expect(rig.state.runs()).toEqual([]);
  });
});
