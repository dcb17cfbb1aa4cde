import { verifyGeneralized } from '../../core/generalization.js';
import { parseGeneralizationMethod } from '../../core/generalizationMethod.js';
import { policyLabelOf, type PolicyLabel } from '../../core/policyLabel.js';
import { gateResult, type GateResult } from './gate.js';
import type { PromotionEvidence } from './promotionEvidence.js';
import { POLICY_FILE, type PromotionPolicy } from './promotionPolicy.js';

/** Labels whose data must be generalized before anything of it is published, whatever the policy says. */
const ALWAYS_GENERALIZED: ReadonlySet<PolicyLabel> = new Set(['restricted', 'restricted_sensitive_location']);

/** Whether a label's data must be generalized before it is published (gate C). */
export function needsGeneralization(label: PolicyLabel, policy: PromotionPolicy | undefined): boolean {
  return ALWAYS_GENERALIZED.has(label) || policy?.labels[label]?.requires_generalization === true;
}

/**
 * Gate C, sensitivity: default-deny over the seven policy labels. The version's label
 * (its spec's `sensitivity.policy_label_intent`; anything else is `quarantine`) must be
 * listed in the policy with `publish: true`. A label that needs generalization
 * (restricted, restricted_sensitive_location, or any the policy marks) needs a method in
 * the version's PROV bundle (`kfm:generalization_method` on an activity) that every
 * published GeoJSON artifact verifiably is the output of (core/generalization.ts). Every
 * role the label's policy lists must have approved this version (kfm approve). ABSTAIN
 * without a policy file; ERROR when the policy, the spec, PROV, the artifacts or the
 * approvals cannot be read; DENY otherwise when a rule is not met.
 */
export function gateSensitivity(e: PromotionEvidence): GateResult {
  if (e.policy.status === 'missing') return gateResult('C', 'ABSTAIN', [`no ${POLICY_FILE} at the project root: no label policy to decide against`]);
  if (e.policy.status === 'error') return gateResult('C', 'ERROR', [e.policy.message]);
  if (e.spec.status !== 'ok') return gateResult('C', 'ERROR', [`the spec ${e.dvid} was built from cannot be read: ${e.spec.message}`]);
  const policy = e.policy.policy;
  const label = policyLabelOf(e.spec.value);
  const rule = policy.labels[label];
  if (!rule) return gateResult('C', 'DENY', [`policy label ${label} is not listed in ${POLICY_FILE}: default deny`]);
  if (!rule.publish) return gateResult('C', 'DENY', [`policy label ${label} may not be published (${POLICY_FILE} labels.${label}.publish is false)`]);
  const errors: string[] = [];
  const deny: string[] = [];
  const pass: string[] = [`policy label ${label} may be published`];
  if (needsGeneralization(label, policy)) generalizationFindings(e, errors, deny, pass);
  approvalFindings(e, policy, label, errors, deny, pass);
  if (errors.length > 0) return gateResult('C', 'ERROR', errors);
  if (deny.length > 0) return gateResult('C', 'DENY', deny);
  return gateResult('C', 'PASS', pass);
}

function generalizationFindings(e: PromotionEvidence, errors: string[], deny: string[], pass: string[]): void {
  if (e.generalization.status === 'error') return void errors.push(e.generalization.message);
  if (e.published_geojson.status === 'error') return void errors.push(e.published_geojson.message);
  const methods = e.generalization.status === 'ok' ? e.generalization.value : [];
  if (methods.length === 0) {
    const why = e.generalization.status === 'missing' ? e.generalization.message : 'no activity of the PROV bundle records kfm:generalization_method';
    return void deny.push(`the data must be generalized before it is published, but there is no generalization plan: ${why}`);
  }
  for (const m of methods) {
    try {
      parseGeneralizationMethod(m);
    } catch (err) {
      return void deny.push(`PROV records an unusable generalization plan: ${(err as Error).message}`);
    }
  }
  const files = e.published_geojson.status === 'ok' ? e.published_geojson.value : [];
  if (files.length === 0) return void deny.push('the data must be generalized, but no published artifact is GeoJSON whose geometry could be checked');
  for (const f of files) {
    const found = methods.map((m) => ({ m, problems: problemsOf(f.geojson, m) }));
    const ok = found.find((x) => x.problems.length === 0);
    if (ok) pass.push(`data/${f.path} is generalized (${ok.m})`);
    else deny.push(`data/${f.path} is not generalized as PROV says (${found.map((x) => `${x.m}: ${x.problems.slice(0, 3).join('; ')}`).join(' | ')})`);
  }
}

function problemsOf(geojson: unknown, method: string): string[] {
  try {
    return verifyGeneralized(geojson, method);
  } catch (err) {
    return [(err as Error).message];
  }
}

function approvalFindings(e: PromotionEvidence, policy: PromotionPolicy, label: PolicyLabel, errors: string[], deny: string[], pass: string[]): void {
  const roles = policy.labels[label]?.approval_roles ?? [];
  if (roles.length === 0) return;
  if (e.approvals.status === 'error') return void errors.push(e.approvals.message);
  const approvals = e.approvals.status === 'ok' ? e.approvals.value : [];
  for (const role of roles) {
    const a = approvals.find((x) => x.role === role);
    if (a) pass.push(`approved by ${a.principal} (${role}) at ${a.approved_at}`);
    else deny.push(`policy label ${label} needs the approval of a ${role}: run kfm approve ${e.slug}@${e.dvid} --role ${role}`);
  }
}
