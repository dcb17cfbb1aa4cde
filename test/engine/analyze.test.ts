import { describe, expect, it } from 'vitest';
import { dataset, defineKfm, ingest, task, type DatasetDecl, type KfmConfig } from '../../api/index.js';
import { analyze } from '../../engine/graph/analyze.js';
import { builtinModulePath } from '../../engine/graph/taskModulePath.js';
import { KfmError } from '../../core/error.js';
import { KFMFILE } from '../support/engineRig.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { testSpec } from '../support/testSpec.js';

function memFs(): MemoryFileSystem {
  const fs = new MemoryFileSystem();
  fs.write('/proj/tasks/t.ts', '// t\n');
  return fs;
}

/** The KfmError analyze throws for this config. */
function analyzeError(config: KfmConfig): KfmError {
  try {
    analyze(config, KFMFILE, memFs());
  } catch (e) {
    if (e instanceof KfmError) return e;
    throw e;
  }
  throw new Error('analyze accepted the config');
}

const t = (name: string, deps: string[] = []) => task(name, { run: './tasks/t.ts', deps });
const ds = (slug: string, ...tasks: ReturnType<typeof task>[]): DatasetDecl => dataset(testSpec(slug), tasks);

describe('analyze: errors, verbatim', () => {
  it.each<[string, KfmConfig, string]>([
    ['a two-node cycle', defineKfm({ datasets: [ds('a', t('x', ['y']), t('y', ['x']))] }), 'dependency cycle: a/x -> a/y -> a/x'],
    [
      'a cycle across datasets, found from the first id in code-point order',
      defineKfm({ datasets: [ds('b', t('q', ['a/p'])), ds('a', t('p', ['r']), t('r', ['b/q'])), ds('c', t('s', ['a/p']))] }),
      'dependency cycle: a/p -> a/r -> b/q -> a/p',
    ],
    ['a dependency on itself', defineKfm({ datasets: [ds('a', t('x', ['x']))] }), 'task "a/x" depends on itself'],
    ['an unknown dependency', defineKfm({ datasets: [ds('a', t('x'), t('y', ['zz']))] }), 'task "a/y" depends on unknown task "zz"'],
    ['an unknown cross-dataset dependency', defineKfm({ datasets: [ds('a', t('x', ['b/x']))] }), 'task "a/x" depends on unknown task "b/x"'],
    ['a duplicate task', defineKfm({ datasets: [ds('a', t('x'), t('x'))] }), 'duplicate task "x" in dataset "a"'],
    ['a bad slug', defineKfm({ datasets: [ds('Bad-Slug', t('x'))] }), 'dataset slug "Bad-Slug" is invalid: it must match ^[a-z0-9_]+$'],
    [
      'a bad task name',
      defineKfm({ datasets: [ds('a', t('Clean'))] }),
      'task name "Clean" in dataset "a" is invalid: it must match ^[a-z0-9_][a-z0-9_-]*$',
    ],
    [
      'an unknown built-in',
      defineKfm({ datasets: [ds('a', task('x', { run: 'kfm:fetch' }))] }),
      'task "a/x" uses unknown built-in task "kfm:fetch" (built-ins: kfm:generalize, kfm:ingest)',
    ],
    [
      'a missing task module',
      defineKfm({ datasets: [ds('a', task('x', { run: './tasks/nope.ts' }))] }),
      'task module "./tasks/nope.ts" of task "a/x" does not exist',
    ],
    [
      'an input outside the project',
      defineKfm({ datasets: [ds('a', task('x', { run: './tasks/t.ts', inputs: ['../secret.txt'] }))] }),
      'input pattern "../secret.txt" of task "a/x" must be relative to the project root and stay inside it',
    ],
    [
      'an unknown operation',
      defineKfm({ datasets: [ds('a', task('x', { run: './tasks/t.ts', operation: 'load' as 'qa' }))] }),
      'task "a/x" has unknown operation "load" (ingest, transform, qa)',
    ],
  ])('%s', (_, config, message) => {
    const e = analyzeError(config);
    expect(e.code).toBe('kfmfile');
    expect(e.message).toBe(message);
    // A virtual kfmfile has no call sites in it: the location is the file alone.
    expect(e.location).toEqual({ file: KFMFILE });
  });

  it('a duplicate dataset names where the first was declared (the file alone, for a virtual kfmfile)', () => {
    const e = analyzeError(defineKfm({ datasets: [ds('a', t('x')), ds('a', t('y'))] }));
    expect(e.message).toBe(`duplicate dataset "a" (first declared at ${KFMFILE})`);
    expect(e.location).toEqual({ file: KFMFILE });
  });

  it('a valid config: deps resolved and sorted, order has dependencies first, built-ins resolved', () => {
    const g = analyze(
      defineKfm({
        datasets: [
          ds('b', t('z', ['a/y', 'w']), t('w', ['a/x'])),
          dataset(testSpec('a'), [t('y', ['x']), t('x'), ingest('fetch', { source: 'https://example.org/x.json' })]),
        ],
      }),
      KFMFILE,
      memFs(),
    );
    expect(g.root).toBe('/proj');
    expect(g.nodes.get('b/z')!.deps).toEqual(['a/y', 'b/w']);
    expect(g.nodes.get('a/fetch')!.modulePath).toBe(builtinModulePath('ingest'));
    expect(g.nodes.get('a/fetch')!.always).toBe(true);
    // What each node's run receipt calls it: ingest() tasks `ingest`, others `transform` unless declared.
    expect(g.nodes.get('a/fetch')!.operation).toBe('ingest');
    expect(g.nodes.get('a/x')!.operation).toBe('transform');
    const pos = (id: string) => g.order.indexOf(id);
    expect([...g.order].sort()).toEqual(['a/fetch', 'a/x', 'a/y', 'b/w', 'b/z']);
    for (const [id, n] of g.nodes) for (const d of n.deps) expect(pos(d)).toBeLessThan(pos(id));
  });
});
