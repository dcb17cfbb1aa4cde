import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, type Digest } from '../../core/digest.js';
import type { PolicyLabel } from '../../core/policyLabel.js';
import { schemaValidator } from '../../store/schemaValidator.js';

/** The policy file at the project root (schemas/policy.schema.json). */
export const POLICY_FILE = 'kfm.policy.json';
export const POLICY_VERSION = 'v1';

export interface LicenceRule {
  id: string;
  names?: string[];
  requires_attribution: boolean;
  url?: string;
}

export interface LabelRule {
  publish: boolean;
  requires_generalization?: boolean;
  approval_roles?: string[];
}

/** `kfm.policy.json`: what gates B, C and F apply. */
export interface PromotionPolicy {
  kfm_policy_version: typeof POLICY_VERSION;
  description?: string;
  licences: LicenceRule[];
  labels: Partial<Record<PolicyLabel, LabelRule>>;
  qa: { override_role: string; allow_unchecked: boolean };
}

/** The policy as read: absent, unreadable or invalid (with why), or valid with its file's digest. */
export type PolicyEvidence =
  | { status: 'missing' }
  | { status: 'error'; message: string }
  | { status: 'ok'; policy: PromotionPolicy; digest: Digest };

const validate = schemaValidator('policy');

/** Reads and validates `<root>/kfm.policy.json`; never throws. */
export function readPolicy(root: string): PolicyEvidence {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(root, POLICY_FILE));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'error', message: `cannot read ${POLICY_FILE}: ${(e as Error).message}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return { status: 'error', message: `${POLICY_FILE} is not JSON: ${(e as Error).message.replace(/\s+/g, ' ')}` };
  }
  const problems = validate(value);
  if (problems.length > 0) return { status: 'error', message: `${POLICY_FILE} does not match schemas/policy.schema.json: ${problems.join('; ')}` };
  return { status: 'ok', policy: value as PromotionPolicy, digest: sha256(bytes) };
}

/** The licence rule a spec's licence string matches (by id or name, exactly), if any. */
export function licenceRule(policy: PromotionPolicy, licence: string): LicenceRule | undefined {
  return policy.licences.find((l) => l.id === licence || (l.names ?? []).includes(licence));
}
