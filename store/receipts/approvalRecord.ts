import { canonicalJson } from '../../core/canonicalJson.js';
import { canonicalDigest } from '../../core/canonicalJson.js';
import { digestHex, type Digest } from '../../core/digest.js';
import { SLUG_RE } from '../../core/spec.js';
import { schemaValidator } from '../schemaValidator.js';
import { checkEnvelopeShape, unverifiedPayload, verifyEnvelope, type DsseEnvelope } from './dsse.js';
import { IN_TOTO_STATEMENT_TYPE, parseStatement, type Statement } from './inTotoStatement.js';
import type { TrustedKeys } from './trustedKeys.js';

export const APPROVAL_VERSION = 'v1';
export const APPROVAL_PREDICATE_TYPE = 'https://kfm.dev/approval/v1';
/** The ledger entry kind of a signed approval. */
export const LEDGER_KIND_APPROVAL = 'approval';

/** `kfm approve`'s record (schemas/approval.schema.json). */
export interface ApprovalRecord {
  kfm_approval_version: typeof APPROVAL_VERSION;
  approval_id: string;
  dataset_slug: string;
  dataset_version_id: string;
  spec_hash: Digest;
  role: string;
  principal: string;
  approved_at: string;
  scope: 'promote';
}

/** An approval of publishing `<slug>@<dvid>` (with its spec_hash) by a principal in a role, at `now`. */
export function approvalRecord(a: { slug: string; dvid: string; specHash: Digest; role: string; principal: string; now: Date }): ApprovalRecord {
  const at = a.now.toISOString();
  if (!SLUG_RE.test(a.slug)) throw new Error(`invalid dataset slug ${JSON.stringify(a.slug)}`);
  const time = at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const hash8 = digestHex(canonicalDigest(['approval', a.slug, a.dvid, a.specHash, a.role, a.principal, at])).slice(0, 8);
  return {
    kfm_approval_version: APPROVAL_VERSION,
    approval_id: `kfm://approval/${time}.${a.slug}.${hash8}`,
    dataset_slug: a.slug,
    dataset_version_id: a.dvid,
    spec_hash: a.specHash,
    role: a.role,
    principal: a.principal,
    approved_at: at,
    scope: 'promote',
  };
}

/** The statement an approval is signed as: its one subject is the version, digested by its spec_hash. */
export function approvalStatement(record: ApprovalRecord): Statement<ApprovalRecord> {
  return {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: [{ name: `kfm://dataset/${record.dataset_slug}@${record.dataset_version_id}`, digest: { sha256: digestHex(record.spec_hash) } }],
    predicateType: APPROVAL_PREDICATE_TYPE,
    predicate: record,
  };
}

const schemaProblems = schemaValidator('approval');

/** Schema problems of an approval record (empty: valid). */
export function validateApproval(value: unknown): string[] {
  return schemaProblems(value);
}

/** What verifying a signed approval found: the record when it verifies, and every problem. */
export interface ApprovalVerification {
  problems: string[];
  /** What the payload claims (verified when problems is empty). */
  claimed: Partial<ApprovalRecord> | undefined;
}

/**
 * Verifies a signed approval (its envelope's JSON text): the DSSE signature by a trusted
 * key, the in-toto statement and predicate type, the approval schema, and that the subject
 * is the version it approves.
 */
export function verifyApprovalEnvelope(text: string, trustedKeys: TrustedKeys): ApprovalVerification {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { problems: [`approval envelope is not JSON: ${(e as Error).message}`], claimed: undefined };
  }
  const problems: string[] = [];
  const verified = verifyEnvelope(value, trustedKeys);
  if (!verified.ok) problems.push(verified.error.message);
  if (!checkEnvelopeShape(value).ok) return { problems, claimed: undefined };
  const statement = parseStatement(verified.ok ? verified.value.payload : unverifiedPayload(value as DsseEnvelope));
  if (!statement.ok) return { problems: [...problems, `approval payload is not an in-toto Statement v1: ${statement.error}`], claimed: undefined };
  const { predicate, predicateType } = statement.value;
  const claimed = typeof predicate === 'object' && predicate !== null && !Array.isArray(predicate) ? (predicate as Partial<ApprovalRecord>) : undefined;
  if (predicateType !== APPROVAL_PREDICATE_TYPE) problems.push(`approval predicateType is ${JSON.stringify(predicateType)}, expected "${APPROVAL_PREDICATE_TYPE}"`);
  const schema = validateApproval(predicate);
  if (schema.length > 0) problems.push(`approval fails its schema: ${schema.join('; ')}`);
  else if (canonicalJson(statement.value.subject) !== canonicalJson(approvalStatement(predicate as ApprovalRecord).subject)) {
    problems.push('approval statement subject is not the version it approves');
  }
  return { problems, claimed };
}
