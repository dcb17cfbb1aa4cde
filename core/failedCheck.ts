import type { Json } from './json.js';

/**
 * A QA check a dataset version failed, as the registry, the build report and `kfm status`
 * list it: the QA node, the check's name, the value measured and the threshold it needed
 * (the spec's text, e.g. `>= 0.999`). Value and threshold are null when the QA task did
 * not say.
 */
export interface FailedCheck {
  node: string;
  name: string;
  value: number | string | boolean | null;
  threshold: string | null;
}

/**
 * The failed checks a QA task's result meta names: `status: 'fail'` quarantines the
 * version; `failed_checks: [{ name, value, threshold }]` lists the checks (tasks/qa/qaTask.ts
 * writes both). Null when the meta does not say `fail` (the QA passed, or the node is no QA).
 */
export function failedChecksOf(node: string, meta: Json): FailedCheck[] | null {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta) || meta.status !== 'fail') return null;
  const listed = Array.isArray(meta.failed_checks) ? meta.failed_checks : [];
  return listed.flatMap((c) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c) || typeof c.name !== 'string' || c.name === '') return [];
    const v = c.value;
    const value = typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;
    const t = c.threshold;
    const threshold = typeof t === 'string' ? t : typeof t === 'number' ? `== ${t}` : null;
    return [{ node, name: c.name, value, threshold }];
  });
}

/** `geometry_valid = 0.9 (>= 0.999); feature_count = 3 (>= 200)`: failed checks for a message. */
export function describeFailedChecks(checks: readonly FailedCheck[]): string {
  if (checks.length === 0) return 'QA failed (its task named no failed checks)';
  return `QA failed: ${checks.map((c) => `${c.name} = ${c.value === null ? '?' : String(c.value)}${c.threshold === null ? '' : ` (${c.threshold})`}`).join('; ')}`;
}
