/**
 * Request schemas of the console API (TypeBox, validated by fastify's ajv).
 * Every bound here is explicit so a bad or hostile client cannot make the node
 * allocate without limit.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdString } from '@tebura/contract';

/** Most receipts one GET /api/receipts answers. */
export const RECEIPTS_LIMIT_MAX = 500;
export const RECEIPTS_LIMIT_DEFAULT = 50;
/** Most lines one review resolution may carry (a basket, not a warehouse). */
export const RESOLUTION_LINES_MAX = 100;
/** Largest quantity a reviewer can move in one line. */
export const RESOLUTION_QUANTITY_ABS_MAX = 999;

export const ReceiptsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: RECEIPTS_LIMIT_MAX, default: RECEIPTS_LIMIT_DEFAULT }) },
  { additionalProperties: false },
);
export type ReceiptsQuery = Static<typeof ReceiptsQuery>;

export const ReviewStatusFilter = Type.Union([Type.Literal('open'), Type.Literal('resolved'), Type.Literal('all')]);
export const ReviewsQuery = Type.Object({ status: Type.Optional(ReviewStatusFilter) }, { additionalProperties: false });
export type ReviewsQuery = Static<typeof ReviewsQuery>;

export const ReviewIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' }) });
export type ReviewIdParams = Static<typeof ReviewIdParams>;

/** Mirrors `ReviewResolution` in source.ts; kept in step by a type assertion in routes. */
export const ReviewResolutionBody = Type.Object(
  {
    // One JSON type list, not anyOf: fastify's ajv coerces types, and inside anyOf
    // it would turn null into "" before the null branch is tried.
    sessionId: Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: IdString.pattern }),
    lines: Type.Array(
      Type.Object(
        {
          sku: IdString,
          // Two ranges rather than `not: 0`, so a reviewer reads ">= 1" instead of "must NOT be valid".
          quantityDelta: Type.Union([
            Type.Integer({ minimum: -RESOLUTION_QUANTITY_ABS_MAX, maximum: -1 }),
            Type.Integer({ minimum: 1, maximum: RESOLUTION_QUANTITY_ABS_MAX }),
          ]),
        },
        { additionalProperties: false },
      ),
      { maxItems: RESOLUTION_LINES_MAX },
    ),
    resolvedBy: Type.String({ minLength: 1, maxLength: 64 }),
  },
  { additionalProperties: false },
);
export type ReviewResolutionBody = Static<typeof ReviewResolutionBody>;

/** The body of every error answer (TeburaError.toJSON()). */
export const ErrorBody = Type.Object({
  code: Type.String(),
  kind: Type.String(),
  message: Type.String(),
  details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
});
