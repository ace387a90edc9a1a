/** The one place where any error becomes an HTTP answer with a stable code. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCodes, httpStatusOf, isTeburaError, TeburaError } from '@tebura/contract';
import type { CloudMetrics } from '../metrics.js';

function toTebura(err: FastifyError): TeburaError {
  if (isTeburaError(err)) return err;
  if (err.validation !== undefined) {
    return new TeburaError(
      ErrorCodes.SCHEMA,
      'validation',
      err.message,
      err.validation.map((v) => ({ path: v.instancePath, message: v.message ?? 'invalid' })),
    );
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new TeburaError(ErrorCodes.TOO_LARGE, 'too_large', 'request body too large');
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new TeburaError(ErrorCodes.SCHEMA, 'validation', 'content type must be application/json');
  if (err.statusCode === 400) return new TeburaError(ErrorCodes.JSON, 'validation', err.message);
  return new TeburaError(ErrorCodes.INTERNAL, 'internal', err.message);
}

export function installErrorHandling(app: FastifyInstance, metrics: CloudMetrics): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = toTebura(err);
    const status = httpStatusOf(e.kind);
    metrics.httpErrors.inc({ code: e.code });
    if (status >= 500) req.log.error({ err, code: e.code }, 'request failed');
    else req.log.info({ code: e.code, reason: e.message }, 'request rejected');
    return reply.code(status).send(e.toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    metrics.httpErrors.inc({ code: ErrorCodes.NOT_FOUND });
    return reply.code(404).send(new TeburaError(ErrorCodes.NOT_FOUND, 'not_found', `no route ${req.method} ${req.url}`).toJSON());
  });
}
