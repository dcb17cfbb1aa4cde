import { createHash, timingSafeEqual } from 'node:crypto';
import type { PolicyLabel } from '../../core/policyLabel.js';
import { PUBLIC_LABELS } from '../../stages/projections/acceptedLabels.js';
import { ApiError } from './apiError.js';

/**
 * Who is asking: an operator (an `Authorization: Bearer <token>` header equal to
 * KFM_SERVE_TOKEN) sees every dataset; anyone else sees public labels only. A header with a
 * token that does not match, or any token when the server has none, is 401: a wrong token
 * never silently falls back to anonymous. Compared in constant time (SHA-256 of both sides,
 * then timingSafeEqual: equal lengths whatever was sent).
 */
export function isOperator(header: string | undefined, token: string | undefined): boolean {
  if (header === undefined) return false;
  const m = /^Bearer (.+)$/.exec(header);
  if (!m) throw new ApiError(401, 'unauthorized', 'the Authorization header must be "Bearer <operator token>"');
  if (token === undefined || token === '') throw new ApiError(401, 'unauthorized', 'this server accepts no operator token (KFM_SERVE_TOKEN is not set where it runs)');
  const sent = createHash('sha256').update(m[1]!).digest();
  const want = createHash('sha256').update(token).digest();
  if (!timingSafeEqual(sent, want)) throw new ApiError(401, 'unauthorized', 'the operator token does not match');
  return true;
}

/** Whether a caller may see data with this label: operators everything, anonymous callers the public labels. */
export function maySee(label: string, operator: boolean): boolean {
  return operator || (PUBLIC_LABELS as readonly string[]).includes(label as PolicyLabel);
}
