/** Slices are real calendar values; a dataset may declare the slices it has. */
import { describe, expect, it } from 'vitest';
import { dataset, defineKfm, task, type DatasetOptions } from '../../api/index.js';
import { analyze } from '../../engine/graph/analyze.js';
import { parseTarget } from '../../engine/graph/target.js';
import { parseVersionTarget } from '../../engine/graph/versionTarget.js';
import { sliceProblem } from '../../engine/graph/sliceProblem.js';
import { KfmError } from '../../core/error.js';
import { KFMFILE } from '../support/engineRig.js';
import { MemoryFileSystem } from '../support/memoryFileSystem.js';
import { testSpec } from '../support/testSpec.js';

const graphWith = (options: DatasetOptions) => {
  const fs = new MemoryFileSystem();
  fs.write('/proj/tasks/t.ts', '// t\n');
  return analyze(defineKfm({ datasets: [dataset(testSpec('a'), [task('x', { run: './tasks/t.ts' })], options)] }), KFMFILE, fs);
};

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof KfmError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('accepted');
}

describe('sliceProblem', () => {
  it.each([['2017'], ['2017-12'], ['2016-02-29'], ['2000-02-29'], ['2017-06-30']])('%s is a slice', (s) => expect(sliceProblem(s)).toBeUndefined());
  it.each<[string, string]>([
    ['2017-13', 'month 13 does not exist'],
    ['2017-00', 'month 00 does not exist'],
    ['2017-06-31', 'day 31 does not exist in 2017-06 (it has 30 days)'],
    ['2017-02-29', 'day 29 does not exist in 2017-02 (it has 28 days)'],
    ['1900-02-29', 'day 29 does not exist in 1900-02 (it has 28 days)'],
    ['2017-01-00', 'day 00 does not exist in 2017-01 (it has 31 days)'],
    ['17', 'a slice must be YYYY, YYYY-MM or YYYY-MM-DD'],
  ])('%s: %s', (s, why) => expect(sliceProblem(s)).toBe(why));
});

describe('targets', () => {
  it('an impossible slice is a usage error (build, status, log, verify targets)', () => {
    expect(message(() => parseTarget('a@2017-13', graphWith({})))).toBe('usage: invalid target "a@2017-13": month 13 does not exist');
    expect(message(() => parseVersionTarget('a@2017-02-30'))).toBe('usage: invalid target "a@2017-02-30": day 30 does not exist in 2017-02 (it has 28 days)');
    expect(message(() => parseVersionTarget('a@2017-13.0123abcd'))).toBe('usage: invalid target "a@2017-13.0123abcd": month 13 does not exist');
  });

  it('a slice the dataset does not declare is an error listing the declared ones', () => {
    const g = graphWith({ slice: '2017', slices: ['2017', '2018'] });
    expect(parseTarget('a@2018', g)).toEqual({ dataset: 'a', slice: '2018' });
    expect(message(() => parseTarget('a@2019', g))).toBe('usage: dataset "a" has no slice 2019 (its slices: 2017, 2018)');
  });
});

describe('declared slices, at analysis', () => {
  it.each<[string, DatasetOptions, string]>([
    ['an impossible default slice', { slice: '2017-13' }, 'the default slice "2017-13" of dataset "a" is not a real date: month 13 does not exist'],
    ['an empty list', { slices: [] }, 'the slices of dataset "a" must be a non-empty list of slices (YYYY, YYYY-MM or YYYY-MM-DD)'],
    ['not a list', { slices: '2017' as never }, 'the slices of dataset "a" must be a non-empty list of slices (YYYY, YYYY-MM or YYYY-MM-DD)'],
    ['a bad slice', { slices: ['2017', '2017-02-30'] }, 'slice "2017-02-30" in the slices of dataset "a" is invalid: day 30 does not exist in 2017-02 (it has 28 days)'],
    ['a duplicate', { slices: ['2017', '2017'] }, 'slice "2017" is listed twice in the slices of dataset "a"'],
    ['a default outside the list', { slice: '2019', slices: ['2017', '2018'] }, 'the default slice "2019" of dataset "a" is not one of its slices (2017, 2018)'],
  ])('%s', (_name, options, text) => {
    expect(message(() => graphWith(options))).toBe(`kfmfile: ${text}`);
  });
});
