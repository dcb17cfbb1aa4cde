import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KfmError } from '../../core/error.js';

/** An API error: its HTTP status and `error_code` (the body is `{error_code, message, audit_ref}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const badRequest = (message: string, code = 'bad_request') => new ApiError(400, code, message);

/** The error body every API route answers with (schemas/serve-error.schema.json). */
export interface ApiErrorBody {
  error_code: string;
  message: string;
  /** Names this request in the server's log (`kfm serve` writes one JSON line per error to stderr). */
  audit_ref: string;
}

/** One error, as the server logs it (never a token, never a stack). */
export interface ServeErrorLog {
  audit_ref: string;
  status: number;
  error_code: string;
  message: string;
  method: string;
  path: string;
}

/** `kfm://serve/<server id>/<request id>`: unique per request of one server. */
export function auditRef(serverId: string, request: FastifyRequest): string {
  return `kfm://serve/${serverId}/${request.id}`;
}

/**
 * Every error the server answers, as `{error_code, message, audit_ref}` with the right
 * status: an ApiError as it says; a KfmError `usage` 400, `kfmfile`/`state`/`store` 500 with
 * kfm's message (it names the file, never a secret); a request that fails a route's schema
 * 400 `bad_request`; an unknown route 404 `not_found`; anything else 500 `internal` (the
 * message kept out of the answer; the log line has it).
 */
export function installErrorHandlers(app: FastifyInstance, serverId: string, log: (entry: ServeErrorLog) => void): void {
  const answer = (request: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, logged = message) => {
    const ref = auditRef(serverId, request);
    log({ audit_ref: ref, status, error_code: code, message: logged, method: request.method, path: request.url.split('?')[0] ?? request.url });
    const body: ApiErrorBody = { error_code: code, message, audit_ref: ref };
    return reply.status(status).type('application/json; charset=utf-8').send(body);
  };
  app.setErrorHandler((error: FastifyError | ApiError | KfmError | Error, request, reply) => {
    if (error instanceof ApiError) return answer(request, reply, error.status, error.code, error.message);
    if (error instanceof KfmError) {
      const status = error.code === 'usage' ? 400 : 500;
      return answer(request, reply, status, error.code === 'usage' ? 'bad_request' : `kfm_${error.code}`, error.display);
    }
    const fe = error as FastifyError;
    if (fe.validation) return answer(request, reply, 400, 'bad_request', `bad request: ${fe.message}`);
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return answer(request, reply, fe.statusCode, 'bad_request', fe.message);
    }
    return answer(request, reply, 500, 'internal', 'internal server error (the server log has the audit_ref)', `${error.name}: ${error.message}`);
  });
  app.setNotFoundHandler((request, reply) => answer(request, reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]} (GET /api/v1/openapi.json lists the routes)`));
}
