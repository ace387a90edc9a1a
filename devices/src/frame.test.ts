import { describe, expect, it } from 'vitest';
import {
  checkFrame, crc16Ccitt, decodeSamplePayload, encodeFrame, encodeSampleFrame, encodeSamplePayload,
  FRAME_BODY_BYTES_MAX, FRAME_SOF, MessageType, READING_FAULT,
} from './frame.js';

describe('frame', () => {
  it('CRC-16/CCITT-FALSE matches the catalogue check value', () => {
    expect(crc16Ccitt(Buffer.from('123456789', 'ascii'))).toBe(0x29b1);
  });

  it('lays a SAMPLE frame out as documented', () => {
    const f = encodeSampleFrame({ counter: 7, readings: [1234, -5] });
    // SOF, LEN=1+5+8=14 LE, TYPE, counter LE, count, readings LE, CRC LE.
    expect([...f.subarray(0, 9)]).toEqual([FRAME_SOF, 14, 0, MessageType.SAMPLE, 7, 0, 0, 0, 2]);
    expect(f.readInt32LE(9)).toBe(1234);
    expect(f.readInt32LE(13)).toBe(-5);
    expect(f.readUInt16LE(17)).toBe(crc16Ccitt(f, 1, 17));
    expect(f.length).toBe(19);
  });

  it('round-trips counters and readings, including the fault marker and u32 wrap', () => {
    const sample = { counter: 0xffffffff, readings: [0, 2147483647, READING_FAULT, -123456] };
    const r = checkFrame(encodeSampleFrame(sample));
    if (typeof r === 'string') throw new Error(r);
    expect(decodeSamplePayload(r.frame.payload)).toEqual(sample);
  });

  it('rejects a payload whose length disagrees with its plate count', () => {
    const p = encodeSamplePayload({ counter: 1, readings: [1, 2, 3] });
    expect(decodeSamplePayload(p.subarray(0, p.length - 1))).toBeNull();
    expect(decodeSamplePayload(Buffer.from([1, 2, 3]))).toBeNull();
  });

  it('checkFrame tells short, bad length and bad CRC apart', () => {
    const f = encodeSampleFrame({ counter: 1, readings: [10] });
    expect(checkFrame(f.subarray(0, f.length - 1))).toBe('short');
    const bad = Buffer.from(f);
    bad[6] = (bad[6] as number) ^ 0x01;
    expect(checkFrame(bad)).toBe('bad-crc');
    const huge = Buffer.from(f);
    huge.writeUInt16LE(FRAME_BODY_BYTES_MAX + 1, 1);
    expect(checkFrame(huge)).toBe('bad-length');
    const empty = Buffer.from(f);
    empty.writeUInt16LE(0, 1);
    expect(checkFrame(empty)).toBe('bad-length');
  });

  it('refuses to build a frame beyond the body bound', () => {
    expect(() => encodeFrame(1, Buffer.alloc(FRAME_BODY_BYTES_MAX))).toThrow(RangeError);
    expect(encodeFrame(1, Buffer.alloc(FRAME_BODY_BYTES_MAX - 1)).length).toBe(FRAME_BODY_BYTES_MAX + 5);
  });
});
