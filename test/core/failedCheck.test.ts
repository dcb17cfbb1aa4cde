import { describe, expect, it } from 'vitest';
import { describeFailedChecks, failedChecksOf } from '../../core/failedCheck.js';

describe('failedChecksOf', () => {
  it('is null unless the meta says status fail', () => {
    expect(failedChecksOf('a/qa', null)).toBeNull();
    expect(failedChecksOf('a/qa', { status: 'pass', failed_checks: [{ name: 'x', value: 1, threshold: '>= 2' }] })).toBeNull();
    expect(failedChecksOf('a/qa', [{ status: 'fail' }])).toBeNull();
    expect(failedChecksOf('a/qa', 'fail')).toBeNull();
  });

  it('lists the named checks, a bare number threshold as ==, and skips what is not a check', () => {
    expect(
      failedChecksOf('a/qa', {
        status: 'fail',
        failed_checks: [{ name: 'feature_count', value: 3, threshold: 105 }, { name: 'geometry_valid', value: 0.9, threshold: '>= 0.999' }, { value: 1 }, 'x', { name: 'odd', value: { v: 1 } }],
      }),
    ).toEqual([
      { node: 'a/qa', name: 'feature_count', value: 3, threshold: '== 105' },
      { node: 'a/qa', name: 'geometry_valid', value: 0.9, threshold: '>= 0.999' },
      { node: 'a/qa', name: 'odd', value: null, threshold: null },
    ]);
    expect(failedChecksOf('a/qa', { status: 'fail' })).toEqual([]);
  });

  it('describes them for a message', () => {
    expect(describeFailedChecks([{ node: 'a/qa', name: 'geometry_valid', value: 0.9, threshold: '>= 0.999' }, { node: 'a/qa', name: 'odd', value: null, threshold: null }])).toBe(
      'QA failed: geometry_valid = 0.9 (>= 0.999); odd = ?',
    );
    expect(describeFailedChecks([])).toBe('QA failed (its task named no failed checks)');
  });
});
