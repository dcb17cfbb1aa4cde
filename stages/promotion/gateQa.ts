import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';
import { POLICY_FILE } from './promotionPolicy.js';

/**
 * Gate F, QA thresholds: the spec's `validation.checks` (explicit thresholds, versioned
 * with the spec) were each run by the QA node and passed, as the version's
 * qa/validation_report.json records; a quarantined version (QA failed) is denied. A QA
 * failure passes only with an override by the policy's override role and a written
 * rationale (`kfm promote --override --rationale "…" --role steward`), recorded in the
 * promote receipt and the manifest. ABSTAIN when the spec declares no checks (unless the
 * policy's qa.allow_unchecked permits it); ERROR when the policy, the spec or the report
 * cannot be read; DENY when the report is missing, incomplete or failed.
 */
export function gateQa(e: PromotionEvidence): GateResult {
  if (e.policy.status === 'error') return gateResult('F', 'ERROR', [e.policy.message]);
  if (e.spec.status !== 'ok') return gateResult('F', 'ERROR', [`the spec ${e.dvid} was built from cannot be read: ${e.spec.message}`]);
  if (e.qa.status === 'error') return gateResult('F', 'ERROR', [e.qa.message]);
  const policy = e.policy.status === 'ok' ? e.policy.policy : undefined;
  const checks = e.spec.value.validation?.checks ?? [];
  if (checks.length === 0 && e.qa.status === 'missing' && e.version.status !== 'quarantined') {
    if (policy?.qa.allow_unchecked === true) return gateResult('F', 'PASS', [`the spec declares no QA checks, which ${POLICY_FILE} permits (qa.allow_unchecked)`]);
    return gateResult('F', 'ABSTAIN', [`the spec declares no QA checks (validation.checks is empty): nothing to judge`]);
  }
  const failures = qaFailures(e);
  if (failures.length === 0) return gateResult('F', 'PASS', [`${checks.length} QA check${checks.length === 1 ? '' : 's'} passed (${checks.map((c) => `${c.name} ${c.threshold}`).join(', ')})`]);
  const o = e.override;
  if (!o) return gateResult('F', 'DENY', failures);
  if (!policy) return gateResult('F', 'DENY', [...failures, `an override needs ${POLICY_FILE} to name the role that may override`]);
  if (o.role !== policy.qa.override_role) return gateResult('F', 'DENY', [...failures, `an override needs the ${policy.qa.override_role} role (given: ${o.role})`]);
  if (o.rationale.trim() === '') return gateResult('F', 'DENY', [...failures, 'an override needs a written rationale']);
  return gateResult('F', 'PASS', [`QA failed (${failures.join('; ')}), overridden by ${o.principal} (${o.role}): ${o.rationale}`]);
}

/**
 * What fails the QA rule for the version, before any override: quarantined, no report, a
 * check of the spec missing from the report, run with another threshold, or failed. Empty:
 * QA passed. The spec must be readable (gateQa checks that first).
 */
export function qaFailures(e: PromotionEvidence): string[] {
  const checks = e.spec.status === 'ok' ? (e.spec.value.validation?.checks ?? []) : [];
  const failures: string[] = [];
  if (e.version.status === 'quarantined') failures.push(`${e.slug}@${e.dvid} is quarantined: its QA failed`);
  if (e.qa.status === 'error') failures.push(e.qa.message);
  else if (e.qa.status === 'missing') failures.push(`no QA report: ${e.qa.message}`);
  else {
    const byName = new Map(e.qa.value.reports.map((r) => [r.name, r]));
    for (const c of checks) {
      const r = byName.get(c.name);
      if (!r) failures.push(`check ${c.name} (${c.threshold}) is not in ${e.qa.value.path}`);
      else if (r.threshold !== undefined && String(r.threshold) !== String(c.threshold)) failures.push(`check ${c.name} ran with threshold ${r.threshold}, but the spec says ${c.threshold}`);
      else if (r.status !== 'pass') failures.push(`check ${c.name} failed: ${String(r.value)} (needs ${c.threshold})`);
    }
    if (e.qa.value.status !== 'pass' && failures.length === 0) failures.push(`${e.qa.value.path} has status ${e.qa.value.status}`);
  }
  return failures;
}
