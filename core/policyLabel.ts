import type { DatasetSpec } from './spec.js';

/** The seven policy labels of CONTRACTS.md "Promotion gates" C. */
export type PolicyLabel =
  | 'public'
  | 'public_generalized'
  | 'restricted'
  | 'restricted_sensitive_location'
  | 'internal'
  | 'embargoed'
  | 'quarantine';

export const POLICY_LABELS: readonly PolicyLabel[] = [
  'public',
  'public_generalized',
  'restricted',
  'restricted_sensitive_location',
  'internal',
  'embargoed',
  'quarantine',
];

/**
 * A dataset's policy label: its spec's `sensitivity.policy_label_intent` when that is one of
 * CONTRACTS.md's labels, else `quarantine` (policy is default-deny).
 */
export function policyLabelOf(spec: DatasetSpec): PolicyLabel {
  const intent = spec.sensitivity?.policy_label_intent;
  return (POLICY_LABELS as readonly string[]).includes(intent) ? (intent as PolicyLabel) : 'quarantine';
}
