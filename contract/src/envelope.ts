import { Type, type Static } from '@sinclair/typebox';

/** Version of the wire format. Bump together with the topic root. */
export const CONTRACT_VERSION = 1 as const;
/** Topic root prefix: `tebura/v1/<storeId>/...`. */
export const TOPIC_ROOT = `tebura/v${CONTRACT_VERSION}` as const;

/** Ids used as topic segments: no MQTT wildcards, separators or spaces. */
export const IdString = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' });

/**
 * Every device message carries this envelope, flat beside its body.
 * (deviceId, bootId, seq) identifies a message: the edge drops duplicates by it,
 * detects gaps by seq and restarts by a new bootId.
 */
export const EnvelopeFields = {
  v: Type.Literal(CONTRACT_VERSION),
  /** Unique per message; `${deviceId}:${bootId}:${seq}` is a fine choice. */
  msgId: Type.String({ minLength: 1, maxLength: 160 }),
  deviceId: IdString,
  /** Changes on every device restart (a random id or boot counter). */
  bootId: Type.String({ minLength: 1, maxLength: 64 }),
  /** Per (deviceId, bootId), starting at 0, +1 per message. */
  seq: Type.Integer({ minimum: 0 }),
  /** Device time of the observation, epoch milliseconds. */
  ts: Type.Number({ minimum: 0 }),
};
export const Envelope = Type.Object(EnvelopeFields, { $id: 'Envelope' });
export type Envelope = Static<typeof Envelope>;

/** Makes envelopes for one device boot: seq increments, msgId derives from it. */
export class EnvelopeSequencer {
  readonly deviceId: string;
  readonly bootId: string;
  private nextSeq = 0;

  constructor(deviceId: string, bootId: string) {
    this.deviceId = deviceId;
    this.bootId = bootId;
  }

  next(ts: number): Envelope {
    const seq = this.nextSeq++;
    return { v: CONTRACT_VERSION, msgId: `${this.deviceId}:${this.bootId}:${seq}`, deviceId: this.deviceId, bootId: this.bootId, seq, ts };
  }
}
