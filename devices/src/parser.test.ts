import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeFrame, encodeSampleFrame, FRAME_SOF, decodeSamplePayload, type Frame } from './frame.js';
import { FrameParser, PARTIAL_FRAME_BYTES_MAX } from './parser.js';
import type { Logger } from './log.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (_o: object, msg: string): void => { lines.push(msg); };
  return { lines, info: add, warn: add, error: add };
}

async function parse(chunks: Buffer[], parser = new FrameParser()): Promise<Frame[]> {
  const out = parser.toArray() as Promise<Frame[]>;
  for (const c of chunks) parser.write(c);
  parser.end();
  return out;
}

const frames = [0, 1, 2].map((i) => encodeSampleFrame({ counter: i, readings: [100 * i, -i, FRAME_SOF] }));
const counters = (fs: Frame[]): number[] => fs.map((f) => decodeSamplePayload(f.payload)?.counter ?? -1);

describe('FrameParser', () => {
  it('emits several frames from one chunk', async () => {
    expect(counters(await parse([Buffer.concat(frames)]))).toEqual([0, 1, 2]);
  });

  it('reassembles frames split at every byte', async () => {
    const all = Buffer.concat(frames);
    const bytes = [...all].map((b) => Buffer.from([b]));
    const p = new FrameParser();
    expect(counters(await parse(bytes, p))).toEqual([0, 1, 2]);
    expect(p.counters).toMatchObject({ framesOk: 3, bytesSkipped: 0, framesBadCrc: 0 });
  });

  it('skips garbage between frames, start bytes in the garbage included', async () => {
    const noise = Buffer.from([0x00, FRAME_SOF, 0xff, FRAME_SOF, 0x02, 0x00, 0x13]);
    const p = new FrameParser();
    const out = await parse([Buffer.concat([noise, frames[0]!, noise, frames[1]!, noise, frames[2]!])], p);
    expect(counters(out)).toEqual([0, 1, 2]);
    expect(p.counters.bytesSkipped).toBe(3 * noise.length);
  });

  it('drops a frame with a bad checksum with one log line and a counter, keeps the next', async () => {
    const bad = Buffer.from(frames[1]!);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 0xff;
    const log = recordingLogger();
    const p = new FrameParser(log);
    expect(counters(await parse([frames[0]!, bad, frames[2]!], p))).toEqual([0, 2]);
    expect(p.counters.framesBadCrc).toBe(1);
    expect(log.lines.filter((l) => l.includes('bad frame'))).toHaveLength(1);
  });

  it('bounds log volume on a noisy line: lines grow with log2 of bad frames, the counter stays exact', async () => {
    const bad = Buffer.from(frames[1]!);
    bad[5] = (bad[5] as number) ^ 0x10;
    const log = recordingLogger();
    const p = new FrameParser(log);
    const chunks = Array.from({ length: 100 }, () => [bad, frames[0]!]).flat();
    expect(await parse(chunks, p)).toHaveLength(100);
    expect(p.counters.framesBadCrc).toBe(100);
    expect(log.lines).toHaveLength(7); // the 1st, 2nd, 4th ... 64th
  });

  it('drops an oversize length at once instead of waiting for it', async () => {
    const oversize = Buffer.from([FRAME_SOF, 0xff, 0xff, 0x01]);
    const p = new FrameParser();
    expect(counters(await parse([oversize, frames[0]!], p))).toEqual([0]);
    expect(p.counters.framesBadLength).toBe(1);
  });

  it('recovers the frames a corrupted (too long) length would swallow', async () => {
    // A length of 200 claims bytes that belong to the next frames: CRC fails, rescan finds them.
    const liar = Buffer.concat([Buffer.from([FRAME_SOF, 200, 0, 0x01]), Buffer.alloc(3)]);
    const p = new FrameParser();
    const tail = Buffer.alloc(200); // enough bytes for the liar to be judged
    expect(counters(await parse([liar, ...frames, tail], p))).toEqual([0, 1, 2]);
    expect(p.counters.framesBadCrc).toBe(1);
  });

  it('keeps its partial-frame buffer within the bound and counts a truncated frame at end', async () => {
    const p = new FrameParser();
    const longBody = encodeFrame(0x02, Buffer.alloc(1000, 7));
    p.write(longBody.subarray(0, longBody.length - 1));
    expect(p['pending'].length).toBeLessThanOrEqual(PARTIAL_FRAME_BYTES_MAX);
    expect(await parse([], p)).toEqual([]);
    expect(p.counters.framesTruncated).toBe(1);
  });

  it('finds every frame through random noise and random chunking (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 12 }))),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }),
        async (parts, cuts) => {
          const stream = Buffer.concat(parts.flatMap(([noise, readings], i) => [Buffer.from(noise), encodeSampleFrame({ counter: i, readings })]));
          const chunks: Buffer[] = [];
          for (let at = 0, k = 0; at < stream.length; k++) {
            const n = cuts[k % cuts.length] as number;
            chunks.push(stream.subarray(at, at + n));
            at += n;
          }
          const seen = counters(await parse(chunks));
          // Every real frame, in order; noise could only add a frame with a chance CRC match.
          let j = 0;
          for (const c of seen) if (c === j) j++;
          expect(j).toBe(parts.length);
        },
      ),
      { seed: 20261122, numRuns: 200 },
    );
  });
});
