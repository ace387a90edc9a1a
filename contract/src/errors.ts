/**
 * Stable error codes and kinds. Every error that leaves a process boundary
 * (MQTT answer, HTTP response, CLI exit) carries one code from here; kinds map to
 * HTTP status in exactly one place (`httpStatusOf`).
 */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'too_large'
  | 'unavailable'
  | 'internal';

const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = Object.freeze({
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_large: 413,
  unavailable: 503,
  internal: 500,
});

export function httpStatusOf(kind: ErrorKind): number {
  return STATUS_BY_KIND[kind];
}

/** Codes shared across packages. Packages may add their own with a `E_<AREA>_` prefix. */
export const ErrorCodes = {
  JSON: 'E_JSON',
  SCHEMA: 'E_SCHEMA',
  TOPIC_UNKNOWN: 'E_TOPIC_UNKNOWN',
  TOPIC_MISMATCH: 'E_TOPIC_MISMATCH',
  TOO_LARGE: 'E_TOO_LARGE',
  CONFIG: 'E_CONFIG',
  NOT_FOUND: 'E_NOT_FOUND',
  IDEMPOTENCY_MISMATCH: 'E_IDEMPOTENCY_MISMATCH',
  IN_FLIGHT: 'E_IN_FLIGHT',
  UNAUTHORIZED: 'E_UNAUTHORIZED',
  FORBIDDEN: 'E_FORBIDDEN',
  UNAVAILABLE: 'E_UNAVAILABLE',
  INTERNAL: 'E_INTERNAL',
} as const;

export interface ErrorDetail {
  /** JSON pointer-ish path into the offending document, '' for the root. */
  path: string;
  message: string;
}

export class TeburaError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: readonly ErrorDetail[];

  constructor(code: string, kind: ErrorKind, message: string, details: readonly ErrorDetail[] = []) {
    super(message);
    this.name = 'TeburaError';
    this.code = code;
    this.kind = kind;
    this.details = details;
  }

  /** The body an HTTP or MQTT answer carries. 5xx answers never leak the message. */
  toJSON(): { code: string; kind: ErrorKind; message: string; details: readonly ErrorDetail[] } {
    const leak = httpStatusOf(this.kind) < 500;
    return {
      code: this.code,
      kind: this.kind,
      message: leak ? this.message : 'internal error',
      details: leak ? this.details : [],
    };
  }
}

export function isTeburaError(e: unknown): e is TeburaError {
  return e instanceof TeburaError;
}
