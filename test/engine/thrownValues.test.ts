/** What a task threw that is not an Error becomes a message naming it, never a bare `Error`. */
import { describe, expect, it } from 'vitest';
import { taskFailure } from '../../engine/schedule/taskFailure.js';
import { jobsLimit } from '../../engine/run/jobsLimit.js';
import { analyze } from '../../engine/graph/analyze.js';
import { dataset, defineKfm, task } from '../../api/index.js';
import { KFMFILE } from '../support/engineRig.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { testSpec } from '../support/testSpec.js';

class Oops {
  code = 7;
}

describe('taskFailure of a thrown non-Error', () => {
  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'task threw undefined'],
    ['null', null, 'task threw null'],
    ['a number', 42, 'task threw 42'],
    ['a boolean', false, 'task threw false'],
    ['a BigInt', 5n, 'task threw 5'],
    ['an empty string', '', 'task threw an empty string'],
    ['a plain object', { code: 1 }, 'task threw an object: {"code":1}'],
    ['an empty object', {}, 'task threw an object'],
    ['a class instance', new Oops(), 'task threw an instance of Oops: {"code":7}'],
    ['a function', () => 1, 'task threw a function'],
  ])('%s', (_name, value, message) => {
    expect(taskFailure(value, '/proj')).toEqual({ message });
  });

  it('a string is its own message; an Error keeps its message', () => {
    expect(taskFailure('boom', '/proj').message).toBe('boom');
    expect(taskFailure(new Error('bad'), '/proj').message).toBe('bad');
  });
});

describe('jobsLimit', () => {
  const fs = new MemoryFileSystem();
  fs.write('/proj/tasks/t.ts', '// t\n');
  const graph = analyze(
    defineKfm({
      datasets: [
        dataset(testSpec('a'), [task('x', { run: './tasks/t.ts' }), task('y', { run: './tasks/t.ts', deps: ['x'] })]),
        dataset(testSpec('b'), [task('z', { run: './tasks/t.ts', deps: ['a/y'] })]),
      ],
    }),
    KFMFILE,
    fs,
  );
  const all = [{ dataset: 'a', slice: undefined }, { dataset: 'b', slice: undefined }];
  it('keeps a request within the nodes and cores', () => {
    expect(jobsLimit(2, graph, all, 2)).toEqual({ jobs: 2 });
  });
  it('clamps to the nodes the targets can run (upstream included)', () => {
    expect(jobsLimit(200, graph, [{ dataset: 'b', slice: undefined }], 64)).toEqual({ jobs: 3, clamped: { requested: 200, limit: 'nodes', nodes: 3, cores: 64 } });
    expect(jobsLimit(200, graph, [{ dataset: 'a', slice: undefined }], 64).jobs).toBe(2);
  });
  it('clamps to 4 per core', () => {
    expect(jobsLimit(1_000_000_000, graph, all, 0.5 as number)).toEqual({ jobs: 2, clamped: { requested: 1_000_000_000, limit: 'cores', nodes: 3, cores: 0.5 } });
  });
});
