import { describe, expect, it } from 'vitest';
import { describeSkip } from '../../engine/run/describeSkip.js';

describe('describeSkip', () => {
  it('words each skip reason as the plain and Ink reporters print it', () => {
    expect(describeSkip({ type: 'upstream-failed', upstream: 'a/bad' })).toBe('a/bad failed');
    expect(describeSkip({ type: 'interrupted' })).toBe('interrupted');
    expect(describeSkip({ type: 'stopped-after-failure' })).toBe('the build stopped after a failure');
  });
});
