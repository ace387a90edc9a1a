/**
 * Wire framing of the Tebura shelf load-cell controller (an HX711-style board that
 * samples every plate of one shelf at a fixed rate). Little-endian throughout:
 *
 *   offset  size  field
 *   0       1     SOF, always 0xA5
 *   1       2     LEN, u16: bytes of TYPE + PAYLOAD (1..FRAME_BODY_BYTES_MAX)
 *   3       1     TYPE (MessageType)
 *   4       N     PAYLOAD (N = LEN - 1)
 *   4+N     2     CRC-16/CCITT-FALSE over LEN, TYPE and PAYLOAD, u16
 *
 * SAMPLE payload: u32 controller sample counter (wraps), u8 plate count, then per
 * plate an i32 reading (centigrams or raw ADC counts; the device profile says
 * which). READING_FAULT (i32 min) marks a channel the board could not read.
 * This file never touches streams or MQTT: it only builds and checks bytes.
 */

export const FRAME_SOF = 0xa5;
/** SOF + LEN bytes before TYPE. */
export const FRAME_HEADER_BYTES = 3;
export const FRAME_CRC_BYTES = 2;
/** Largest TYPE + PAYLOAD a controller may send; room for 64 plates with margin. */
export const FRAME_BODY_BYTES_MAX = 1024;
/** The longest whole frame on the wire. */
export const FRAME_BYTES_MAX = FRAME_HEADER_BYTES + FRAME_BODY_BYTES_MAX + FRAME_CRC_BYTES;
/** Plates one SAMPLE frame can carry (u8 count, bounded by the contract's 64 per packet). */
export const FRAME_PLATES_MAX = 64;
/** The board's "no reading" marker for a channel (ADC timeout, open wire). */
export const READING_FAULT = -0x80000000;

export const MessageType = { SAMPLE: 0x01 } as const;

/** One checked frame: its type and payload (a view into a private copy). */
export interface Frame {
  type: number;
  payload: Buffer;
}

/** One SAMPLE frame, decoded. */
export interface RawSample {
  /** The controller's sample counter, u32, +1 per sample; a jump means samples were lost. */
  counter: number;
  /** Per channel, the board's int32 reading (READING_FAULT for a failed channel). */
  readings: number[];
}

const CRC_TABLE = ((): Uint16Array => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor ("123456789" -> 0x29B1). */
export function crc16Ccitt(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (CRC_TABLE[((crc >>> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}

/** Builds one frame around `payload`. Throws on a body beyond FRAME_BODY_BYTES_MAX: a caller bug. */
export function encodeFrame(type: number, payload: Uint8Array): Buffer {
  const bodyBytes = 1 + payload.length;
  if (bodyBytes > FRAME_BODY_BYTES_MAX) throw new RangeError(`frame body of ${bodyBytes} bytes exceeds ${FRAME_BODY_BYTES_MAX}`);
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`frame type ${type} is not a byte`);
  const buf = Buffer.alloc(FRAME_HEADER_BYTES + bodyBytes + FRAME_CRC_BYTES);
  buf[0] = FRAME_SOF;
  buf.writeUInt16LE(bodyBytes, 1);
  buf[3] = type;
  buf.set(payload, 4);
  buf.writeUInt16LE(crc16Ccitt(buf, 1, 3 + bodyBytes), 3 + bodyBytes);
  return buf;
}

/**
 * Checks a candidate frame at the start of `buf`. Returns the frame and its
 * length, 'short' when more bytes are needed, or why it is not a frame.
 */
export function checkFrame(buf: Buffer): { frame: Frame; bytes: number } | 'short' | 'bad-length' | 'bad-crc' {
  if (buf.length < FRAME_HEADER_BYTES) return 'short';
  const bodyBytes = buf.readUInt16LE(1);
  if (bodyBytes < 1 || bodyBytes > FRAME_BODY_BYTES_MAX) return 'bad-length';
  const bytes = FRAME_HEADER_BYTES + bodyBytes + FRAME_CRC_BYTES;
  if (buf.length < bytes) return 'short';
  if (crc16Ccitt(buf, 1, 3 + bodyBytes) !== buf.readUInt16LE(3 + bodyBytes)) return 'bad-crc';
  return { frame: { type: buf[3] as number, payload: Buffer.from(buf.subarray(4, 3 + bodyBytes)) }, bytes };
}

/** The SAMPLE payload for `sample`. */
export function encodeSamplePayload(sample: RawSample): Buffer {
  if (sample.readings.length > FRAME_PLATES_MAX) throw new RangeError(`${sample.readings.length} plates exceed ${FRAME_PLATES_MAX}`);
  const buf = Buffer.alloc(5 + 4 * sample.readings.length);
  buf.writeUInt32LE(sample.counter >>> 0, 0);
  buf[4] = sample.readings.length;
  sample.readings.forEach((r, i) => buf.writeInt32LE(r, 5 + 4 * i));
  return buf;
}

/** A whole SAMPLE frame; what a controller (or the simulator's fake one) writes. */
export function encodeSampleFrame(sample: RawSample): Buffer {
  return encodeFrame(MessageType.SAMPLE, encodeSamplePayload(sample));
}

/** Decodes a SAMPLE payload; null when its length disagrees with its plate count. */
export function decodeSamplePayload(payload: Buffer): RawSample | null {
  if (payload.length < 5) return null;
  const plates = payload[4] as number;
  if (plates > FRAME_PLATES_MAX || payload.length !== 5 + 4 * plates) return null;
  const readings: number[] = [];
  for (let i = 0; i < plates; i++) readings.push(payload.readInt32LE(5 + 4 * i));
  return { counter: payload.readUInt32LE(0), readings };
}
