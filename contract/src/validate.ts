/**
 * Ingress validation for MQTT payloads. Every subscriber runs messages through
 * `decodeMessage`: it never throws, and a rejection carries a stable code and a
 * human reason, so the caller can count it, log it once and drop it.
 */
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ErrorCodes } from './errors.js';
import { CHANNELS, parseTopic, type Channel, type ChannelSpec, type Payload } from './topics.js';
import { PAYLOAD_BYTES_MAX } from './messages.js';

const checks = new Map<Channel, TypeCheck<TSchema>>();
function checkFor(channel: Channel): TypeCheck<TSchema> {
  let c = checks.get(channel);
  if (c === undefined) {
    c = TypeCompiler.Compile(CHANNELS[channel].schema);
    checks.set(channel, c);
  }
  return c;
}

export type Decoded = {
  [C in Channel]: { ok: true; channel: C; storeId: string; deviceId: string; msg: Payload<C> };
}[Channel];

export interface Rejected {
  ok: false;
  code: string;
  reason: string;
  topic: string;
}

export type DecodeResult = Decoded | Rejected;

function reject(topic: string, code: string, reason: string): Rejected {
  return { ok: false, code, reason, topic };
}

/** Parses and validates one message; the topic's device segment must match the payload. */
export function decodeMessage(topic: string, payload: Uint8Array | string): DecodeResult {
  const parsed = parseTopic(topic);
  if (parsed === null) return reject(topic, ErrorCodes.TOPIC_UNKNOWN, 'topic is not a known Tebura channel');
  if (payload.length > PAYLOAD_BYTES_MAX) {
    return reject(topic, ErrorCodes.TOO_LARGE, `payload of ${payload.length} bytes exceeds ${PAYLOAD_BYTES_MAX}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (e) {
    return reject(topic, ErrorCodes.JSON, `invalid JSON: ${(e as Error).message}`);
  }
  const check = checkFor(parsed.channel);
  if (!check.Check(doc)) {
    const first = check.Errors(doc).First();
    const where = first === undefined ? '' : `${first.path || '/'}: ${first.message}`;
    return reject(topic, ErrorCodes.SCHEMA, `payload does not match ${parsed.channel}: ${where}`);
  }
  const field = (CHANNELS[parsed.channel] as ChannelSpec).addressField ?? 'deviceId';
  const addressed = (doc as Record<string, string>)[field];
  if (addressed !== parsed.deviceId) {
    return reject(topic, ErrorCodes.TOPIC_MISMATCH, `payload ${field} '${addressed}' differs from topic segment '${parsed.deviceId}'`);
  }
  return { ok: true, channel: parsed.channel, storeId: parsed.storeId, deviceId: parsed.deviceId, msg: doc } as Decoded;
}
