/**
 * Payload schemas for every MQTT message. Each device message is the envelope
 * plus a body, flat. Limits on arrays and strings are part of the contract:
 * a message beyond them is invalid, whatever its sender meant.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EnvelopeFields, IdString, CONTRACT_VERSION } from './envelope.js';

/** Samples in one load-cell packet per plate (AiFi's controllers send 12 at 60 Hz). */
export const WEIGHT_SAMPLES_PER_MSG_MAX = 120;
/** Plates one shelf controller may report in one packet. */
export const PLATES_PER_MSG_MAX = 64;
/** Person detections in one camera frame. */
export const DETECTIONS_PER_FRAME_MAX = 256;
/** A face image on the wire (base64 characters, ~1.5 MB of JPEG). */
export const FACE_IMAGE_B64_CHARS_MAX = 2_000_000;
/** Palm template length (float components). */
export const PALM_TEMPLATE_DIM_MAX = 1024;
/** Guests one payer may admit at the gate. */
export const GUESTS_MAX = 8;
/** Any single MQTT payload accepted by an ingress, in bytes. */
export const PAYLOAD_BYTES_MAX = 2_200_000;

/** One shelf controller's packet: per plate, consecutive samples in grams. */
export const LoadCellWeight = Type.Object(
  {
    ...EnvelopeFields,
    /** Time between consecutive samples; sample k was taken at ts + k * sampleIntervalMs. */
    sampleIntervalMs: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }),
    readings: Type.Array(
      Type.Object({
        plateId: IdString,
        /** Absolute load in grams, tare included; null marks a dropped sample. */
        grams: Type.Array(Type.Union([Type.Number(), Type.Null()]), { minItems: 1, maxItems: WEIGHT_SAMPLES_PER_MSG_MAX }),
      }),
      { minItems: 1, maxItems: PLATES_PER_MSG_MAX },
    ),
  },
  { $id: 'LoadCellWeight', additionalProperties: false },
);
export type LoadCellWeight = Static<typeof LoadCellWeight>;

/** One overhead camera frame: people seen, in store floor coordinates (metres). */
export const CameraDetections = Type.Object(
  {
    ...EnvelopeFields,
    detections: Type.Array(
      Type.Object({
        /** The camera's own track label; it may switch between people. */
        localId: Type.String({ minLength: 1, maxLength: 64 }),
        x: Type.Number(),
        y: Type.Number(),
        confidence: Type.Number({ minimum: 0, maximum: 1 }),
        /**
         * Wrists this person's skeleton shows in the frame (a pose model on the
         * camera), in store coordinates, m: x, y on the floor plane and z, when the
         * camera measures depth, the height above the floor. A hand in a shelf is
         * over the plate it reaches into. Absent when the camera has no pose
         * model; a wrist it cannot see is left out.
         */
        hands: Type.Optional(Type.Array(Type.Object({ x: Type.Number(), y: Type.Number(), z: Type.Optional(Type.Number()) }, { additionalProperties: false }), { maxItems: 2 })),
      }),
      { maxItems: DETECTIONS_PER_FRAME_MAX },
    ),
  },
  { $id: 'CameraDetections', additionalProperties: false },
);
export type CameraDetections = Static<typeof CameraDetections>;

/** A shelf camera's guess of which product a hand took or put at some plates. */
export const ProductHints = Type.Object(
  {
    ...EnvelopeFields,
    plateIds: Type.Array(IdString, { minItems: 1, maxItems: 16 }),
    candidates: Type.Array(
      Type.Object({ sku: IdString, score: Type.Number({ minimum: 0, maximum: 1 }) }),
      { minItems: 1, maxItems: 10 },
    ),
  },
  { $id: 'ProductHints', additionalProperties: false },
);
export type ProductHints = Static<typeof ProductHints>;

export const AppCredential = Type.Object(
  { kind: Type.Literal('app'), token: Type.String({ minLength: 1, maxLength: 4096 }) },
  { additionalProperties: false },
);
export const FaceCredential = Type.Object(
  {
    kind: Type.Literal('face'),
    mime: Type.Union([Type.Literal('image/jpeg'), Type.Literal('image/png'), Type.Literal('image/webp')]),
    imageB64: Type.String({ minLength: 1, maxLength: FACE_IMAGE_B64_CHARS_MAX }),
  },
  { additionalProperties: false },
);
/** What a palm-vein scanner's SDK hands the host: a template vector, never an image. */
export const PalmCredential = Type.Object(
  {
    kind: Type.Literal('palm'),
    format: Type.String({ minLength: 1, maxLength: 64 }),
    template: Type.Array(Type.Number(), { minItems: 8, maxItems: PALM_TEMPLATE_DIM_MAX }),
    quality: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);
export const Credential = Type.Union([AppCredential, FaceCredential, PalmCredential]);
export type Credential = Static<typeof Credential>;

/** A gate asks the edge to admit someone. The edge answers on `gate/decision` echoing txId. */
export const GateEntryRequest = Type.Object(
  {
    ...EnvelopeFields,
    txId: Type.String({ minLength: 1, maxLength: 64 }),
    credential: Credential,
    /** Companions admitted on this payer's account (they cross the gate after the payer). */
    guests: Type.Integer({ minimum: 0, maximum: GUESTS_MAX }),
  },
  { $id: 'GateEntryRequest', additionalProperties: false },
);
export type GateEntryRequest = Static<typeof GateEntryRequest>;

export const GateDecision = Type.Object(
  {
    ...EnvelopeFields,
    /** The gate this answers; equals the topic's id segment (the envelope's deviceId is the edge). */
    gateId: IdString,
    txId: Type.String({ minLength: 1, maxLength: 64 }),
    status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
    decision: Type.Union([Type.Literal('open'), Type.Literal('deny')]),
    /** Stable reason code for the gate display, e.g. OK, TOKEN_EXPIRED, NO_FACE, UNKNOWN_PERSON. */
    reason: Type.String({ minLength: 1, maxLength: 64 }),
    sessionId: Type.Optional(Type.String({ maxLength: 64 })),
    customerId: Type.Optional(Type.String({ maxLength: 64 })),
    guests: Type.Integer({ minimum: 0, maximum: GUESTS_MAX }),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  },
  { $id: 'GateDecision', additionalProperties: false },
);
export type GateDecision = Static<typeof GateDecision>;

/** A gate's passage sensor: one person passed, in or out. */
export const GateCrossing = Type.Object(
  {
    ...EnvelopeFields,
    direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  },
  { $id: 'GateCrossing', additionalProperties: false },
);
export type GateCrossing = Static<typeof GateCrossing>;

export const DeviceKind = Type.Union([
  Type.Literal('loadcell'),
  Type.Literal('camera'),
  Type.Literal('gate'),
  Type.Literal('edge'),
  Type.Literal('gateway'),
  Type.Literal('simulator'),
]);
export type DeviceKind = Static<typeof DeviceKind>;

/**
 * Retained device state. A device publishes `online` at connect and sets the same
 * topic with `offline` as its last will, so no seq here: the will is fixed at connect.
 */
export const DeviceState = Type.Object(
  {
    v: Type.Literal(CONTRACT_VERSION),
    deviceId: IdString,
    bootId: Type.String({ minLength: 1, maxLength: 64 }),
    kind: DeviceKind,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    ts: Type.Number({ minimum: 0 }),
  },
  { $id: 'DeviceState', additionalProperties: false },
);
export type DeviceState = Static<typeof DeviceState>;
