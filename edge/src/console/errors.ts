/**
 * One place where anything thrown inside a console route becomes an HTTP answer
 * with a stable code (STYLE rules 4 and 5). 5xx answers never carry err.message.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCodes, TeburaError, httpStatusOf, isTeburaError, type ErrorDetail } from '@tebura/contract';
import type { ConsoleCounters } from './counters.js';

/** Console-specific codes (prefix E_CONSOLE_, see contract/errors.ts). */
export const ConsoleErrorCodes = {
  SSE_FULL: 'E_CONSOLE_SSE_FULL',
  MEDIA_TYPE: 'E_CONSOLE_MEDIA_TYPE',
  BAD_REQUEST: 'E_CONSOLE_BAD_REQUEST',
} as const;

/** Fastify's own 4xx codes mapped onto ours; anything else 4xx is E_CONSOLE_BAD_REQUEST. */
const FASTIFY_CODES: Readonly<Record<string, { code: string; kind: TeburaError['kind'] }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: ErrorCodes.JSON, kind: 'validation' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: ErrorCodes.JSON, kind: 'validation' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: ErrorCodes.TOO_LARGE, kind: 'too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: ConsoleErrorCodes.MEDIA_TYPE, kind: 'unprocessable' },
};

interface AjvIssue {
  instancePath?: string;
  message?: string;
}

/** Turns whatever a handler threw into a TeburaError; never throws itself. */
export function toTeburaError(err: unknown): TeburaError {
  if (isTeburaError(err)) return err;
  const fe = err as Partial<FastifyError> | null;
  if (fe && Array.isArray(fe.validation)) {
    const where = fe.validationContext ?? 'request';
    const details: ErrorDetail[] = (fe.validation as AjvIssue[]).map((v) => ({
      path: `/${where}${v.instancePath ?? ''}`,
      message: v.message ?? 'invalid',
    }));
    return new TeburaError(ErrorCodes.SCHEMA, 'validation', `invalid ${where}`, details);
  }
  const mapped = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new TeburaError(mapped.code, mapped.kind, fe?.message ?? mapped.code);
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    return new TeburaError(ConsoleErrorCodes.BAD_REQUEST, 'validation', fe?.message ?? 'bad request');
  }
  return new TeburaError(ErrorCodes.INTERNAL, 'internal', 'internal error');
}

export function installErrorHandlers(app: FastifyInstance, counters: ConsoleCounters): void {
  app.setErrorHandler((err, request, reply) => {
    const te = toTeburaError(err);
    const status = httpStatusOf(te.kind);
    counters.inc(`http_errors.${te.code}`);
    // Log once, with the reason; the stack only for our own bugs (5xx).
    if (status >= 500) request.log.error({ err, code: te.code }, 'console route failed');
    else request.log.info({ code: te.code, reason: te.message }, 'console request rejected');
    return reply.status(status).send(te.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    counters.inc(`http_errors.${ErrorCodes.NOT_FOUND}`);
    const te = new TeburaError(ErrorCodes.NOT_FOUND, 'not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`);
    return reply.status(404).send(te.toJSON());
  });
}
