import { canonicalJson } from '../../core/canonicalJson.js';
import { checkEnvelopeShape, unverifiedPayload, verifyEnvelope, type DsseEnvelope, type EnvelopeProblem } from './dsse.js';
import { parseStatement, receiptStatement, RUN_RECEIPT_PREDICATE_TYPE } from './inTotoStatement.js';
import { validateReceipt, type RunReceipt } from './runReceipt.js';
import type { TrustedKeys } from './trustedKeys.js';
import type { EnvelopeOutcome } from '../ledger/precheckWorker.js';

/** What can be wrong with a signed receipt. */
export type ReceiptProblem =
  | EnvelopeProblem
  /** The envelope text is not JSON. */
  | { reason: 'unreadable'; message: string }
  /** The payload is not an in-toto Statement v1. */
  | { reason: 'not-a-statement'; message: string }
  /** The statement's predicateType is not the run receipt's. */
  | { reason: 'predicate-type'; message: string }
  /** The predicate fails the run receipt schema (or its rules). */
  | { reason: 'receipt-schema'; message: string }
  /** The statement's subjects are not the receipt's outputs. */
  | { reason: 'subject-mismatch'; message: string };

export interface ReceiptVerification {
  /** Empty when the envelope verifies and carries a valid receipt. */
  problems: ReceiptProblem[];
  /**
   * What the payload claims as its predicate, when it decodes to an object: the verified
   * receipt when `problems` is empty, otherwise unauthenticated (for reports and indexes).
   */
  claimed: Partial<RunReceipt> | undefined;
  /** The trusted key that verified the signature. */
  keyid: string | undefined;
}

/**
 * Verifies a signed run receipt (an envelope object, or its JSON text): the DSSE signature
 * by a trusted key, the in-toto statement, the predicate type, the receipt schema, and that
 * the subjects are the receipt's outputs. Every problem found is listed. `signature`: the
 * outcome of verifyEnvelope on this very envelope, already computed (verifyEnvelopesInWorkers).
 */
export function verifyReceiptEnvelope(envelope: DsseEnvelope | string | unknown, trustedKeys: TrustedKeys, signature?: EnvelopeOutcome | null): ReceiptVerification {
  const problems: ReceiptProblem[] = [];
  let value = envelope;
  if (typeof envelope === 'string') {
    try {
      value = JSON.parse(envelope) as unknown;
    } catch (e) {
      return { problems: [{ reason: 'unreadable', message: `envelope is not valid JSON: ${(e as Error).message}` }], claimed: undefined, keyid: undefined };
    }
  }
  const verified: EnvelopeOutcome = signature ?? verifyEnvelope(value, trustedKeys);
  if (!verified.ok) problems.push(verified.error);
  if (!checkEnvelopeShape(value).ok) return { problems, claimed: undefined, keyid: undefined };
  const payload = unverifiedPayload(value as DsseEnvelope); // once verified, the authenticated bytes: the same base64 decoded

  const statement = parseStatement(payload);
  if (!statement.ok) {
    problems.push({ reason: 'not-a-statement', message: `payload is not an in-toto Statement v1: ${statement.error}` });
    return { problems, claimed: undefined, keyid: undefined };
  }
  const { predicate, predicateType } = statement.value;
  const claimed = typeof predicate === 'object' && predicate !== null && !Array.isArray(predicate) ? (predicate as Partial<RunReceipt>) : undefined;
  if (predicateType !== RUN_RECEIPT_PREDICATE_TYPE) {
    problems.push({
      reason: 'predicate-type',
      message: `statement predicateType is ${JSON.stringify(predicateType)}, expected "${RUN_RECEIPT_PREDICATE_TYPE}"`,
    });
  }
  const schemaProblems = validateReceipt(predicate);
  if (schemaProblems.length > 0) {
    problems.push({ reason: 'receipt-schema', message: `receipt fails the schema: ${schemaProblems.join('; ')}` });
  } else if (canonicalJson(statement.value.subject) !== canonicalJson(receiptStatement(predicate as RunReceipt).subject)) {
    problems.push({ reason: 'subject-mismatch', message: "statement subjects are not the receipt's outputs" });
  }
  return { problems, claimed, keyid: verified.ok ? verified.value.keyid : undefined };
}
