import { canonicalDigest } from '../../core/canonicalJson.js';
import { digestHex, type Digest } from '../../core/digest.js';
import type { GateResult } from './gate.js';

/**
 * `kfm://policy_decision/<time>.<slug>.<hash8>`: the id of one promotion decision, the
 * hash over what was decided (the version, the policy file's digest, every gate's answer
 * and reasons) and when, so two decisions never share an id.
 */
export function policyDecisionId(a: { slug: string; dvid: string; policyDigest: Digest | null; gates: GateResult[]; now: Date }): string {
  const at = a.now.toISOString();
  const time = at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const hash = canonicalDigest({ slug: a.slug, dvid: a.dvid, policy: a.policyDigest, gates: a.gates, at });
  return `kfm://policy_decision/${time}.${a.slug}.${digestHex(hash).slice(0, 8)}`;
}
