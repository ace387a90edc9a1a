/** Cloud-specific error codes (contract rule: packages add codes with an E_<AREA>_ prefix). */
import { ErrorCodes, TeburaError, type ErrorDetail, type ErrorKind } from '@tebura/contract';

export const CloudErrors = {
  ...ErrorCodes,
  IDEMPOTENCY_KEY: 'E_CLOUD_IDEMPOTENCY_KEY',
  STORE_MISMATCH: 'E_CLOUD_STORE_MISMATCH',
  RECEIPT_LINE_TOTAL: 'E_LEDGER_RECEIPT_LINE_TOTAL',
  RECEIPT_SUBTOTAL: 'E_LEDGER_RECEIPT_SUBTOTAL',
  RECEIPT_TAX: 'E_LEDGER_RECEIPT_TAX',
  RECEIPT_TOTAL: 'E_LEDGER_RECEIPT_TOTAL',
  RECEIPT_CURRENCY: 'E_LEDGER_CURRENCY',
  RECEIPT_UNKNOWN: 'E_LEDGER_RECEIPT_UNKNOWN',
  ADJUSTMENT_TOTAL: 'E_LEDGER_ADJUSTMENT_TOTAL',
  UNBALANCED: 'E_LEDGER_UNBALANCED',
  CUSTOMER_ERASED: 'E_CUSTOMER_ERASED',
  ENROLMENT_VECTOR: 'E_CUSTOMER_ENROLMENT_VECTOR',
  FACE_EMBEDDER_MISSING: 'E_CUSTOMER_FACE_EMBEDDER_MISSING',
  FACE_TEMPLATE_DIM: 'E_CUSTOMER_FACE_TEMPLATE_DIM',
  DISPUTE_STATE: 'E_DISPUTE_STATE',
  BATCH_SESSION_BLOCKED: 'E_CLOUD_BATCH_SESSION_BLOCKED',
  CATALOG_INVALID: 'E_CATALOG_INVALID',
  CUSTOMER_FORBIDDEN: 'E_CUSTOMER_FORBIDDEN',
  CATALOG_VERSION: 'E_CATALOG_VERSION',
} as const;

export function fail(code: string, kind: ErrorKind, message: string, details: readonly ErrorDetail[] = []): never {
  throw new TeburaError(code, kind, message, details);
}

export function notFound(what: string): never {
  return fail(CloudErrors.NOT_FOUND, 'not_found', `${what} not found`);
}
