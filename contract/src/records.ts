/**
 * Money-bearing records the edge makes and the cloud ledger ingests over HTTPS.
 * Every id is made by the edge, persisted before the first upload and reused on
 * every retry; it is also the request's Idempotency-Key.
 * Amounts are integers in minor units of `currency` (JPY has no minor unit: 1 = 1 yen).
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdString } from './envelope.js';
import { TaxClass } from './store.js';

export const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' });

export const ReceiptLine = Type.Object(
  {
    sku: IdString,
    name: Type.String({ maxLength: 120 }),
    quantity: Type.Integer({ minimum: 1 }),
    unitPriceMinor: Type.Integer({ minimum: 0 }),
    taxClass: TaxClass,
    /** quantity * unitPriceMinor, before tax. */
    lineTotalMinor: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ReceiptLine = Static<typeof ReceiptLine>;

export const TaxLine = Type.Object(
  {
    taxClass: TaxClass,
    rateBp: Type.Integer({ minimum: 0 }),
    taxableMinor: Type.Integer({ minimum: 0 }),
    taxMinor: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type TaxLine = Static<typeof TaxLine>;

export const Receipt = Type.Object(
  {
    receiptId: Id,
    sessionId: Id,
    storeId: IdString,
    customerId: Id,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    lines: Type.Array(ReceiptLine, { maxItems: 500 }),
    taxes: Type.Array(TaxLine, { maxItems: 8 }),
    subtotalMinor: Type.Integer({ minimum: 0 }),
    taxMinor: Type.Integer({ minimum: 0 }),
    totalMinor: Type.Integer({ minimum: 0 }),
    openedAt: Type.Number(),
    closedAt: Type.Number(),
  },
  { $id: 'Receipt', additionalProperties: false },
);
export type Receipt = Static<typeof Receipt>;

export const SessionRecord = Type.Object(
  {
    sessionId: Id,
    storeId: IdString,
    customerId: Id,
    entryMethod: Type.Union([Type.Literal('face'), Type.Literal('palm'), Type.Literal('app')]),
    guests: Type.Integer({ minimum: 0 }),
    openedAt: Type.Number(),
  },
  { $id: 'SessionRecord', additionalProperties: false },
);
export type SessionRecord = Static<typeof SessionRecord>;

/** A correction after the charge (review resolved after exit, dispute): signed quantities. */
export const Adjustment = Type.Object(
  {
    adjustmentId: Id,
    receiptId: Id,
    sessionId: Id,
    storeId: IdString,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    lines: Type.Array(
      Type.Object(
        {
          sku: IdString,
          quantityDelta: Type.Integer(),
          unitPriceMinor: Type.Integer({ minimum: 0 }),
          taxClass: TaxClass,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    /** Signed total including tax: negative is a refund. */
    totalMinor: Type.Integer(),
    reason: Type.String({ maxLength: 200 }),
    createdAt: Type.Number(),
  },
  { $id: 'Adjustment', additionalProperties: false },
);
export type Adjustment = Static<typeof Adjustment>;

/** The cloud's answer to an idempotent POST. */
export const IngestAnswer = Type.Object({
  status: Type.Union([Type.Literal('created'), Type.Literal('exists')]),
  id: Id,
  payment: Type.Optional(
    Type.Object({
      status: Type.Union([Type.Literal('captured'), Type.Literal('failed'), Type.Literal('pending'), Type.Literal('voided'), Type.Literal('refunded')]),
      reason: Type.Optional(Type.String()),
    }),
  ),
});
export type IngestAnswer = Static<typeof IngestAnswer>;

/** HTTP paths of the cloud API the edge uses. Store credentials: `Authorization: Bearer <store key>`. */
/** Records per batch request the cloud accepts (`CloudPaths.records`). */
export const BATCH_RECORDS_MAX = 100;

export const CloudPaths = {
  sessions: (storeId: string) => `/v1/stores/${storeId}/sessions`,
  receipts: (storeId: string) => `/v1/stores/${storeId}/receipts`,
  adjustments: (storeId: string) => `/v1/stores/${storeId}/adjustments`,
  /** Batch ingest: `{records: [{kind, record}]}` (at most BATCH_RECORDS_MAX), one answer slot per record. */
  records: (storeId: string) => `/v1/stores/${storeId}/records`,
  /** Pull: catalog, planogram, enrolments and deletions newer than `?since=<version>`. */
  sync: (storeId: string) => `/v1/stores/${storeId}/sync`,
  /** Pull: the store's current StoreCatalog (prices, tax classes, planogram) and its version. */
  catalog: (storeId: string) => `/v1/stores/${storeId}/catalog`,
  /** Public key set the edge uses to verify app entry tokens. */
  entryKeys: () => '/v1/entry-tokens/jwks',
} as const;

/** App entry token: a JWS (ES256) the shopper's app shows as a QR code. */
export const ENTRY_TOKEN_ALG = 'ES256' as const;
export interface EntryTokenClaims {
  /** Customer id. */
  sub: string;
  /** Store id the token is good for. */
  store: string;
  /** Single-use id; the edge remembers used ones until expiry. */
  jti: string;
  /** Expiry, epoch seconds. */
  exp: number;
  iat: number;
}
