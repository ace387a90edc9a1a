/**
 * Throughput of the serial side, for docs/devices.md and a floor in bench.test.ts:
 * 12-plate SAMPLE frames, a little line noise, 4 KiB reads (a USB-serial buffer).
 */
import { encodeSampleFrame, FRAME_SOF } from './frame.js';
import { FrameParser } from './parser.js';
import { convertSample, type DeviceProfile, type DropCounters } from './profile.js';

export interface ParserBench {
  frames: number;
  bytes: number;
  elapsedMs: number;
  framesPerS: number;
  mbPerS: number;
}

/** Parses and converts `frames` frames in 4 KiB chunks; returns the rate. */
export async function benchParser(frames: number, profile: DeviceProfile): Promise<ParserBench> {
  const plates = profile.plates.length;
  const parts: Buffer[] = [];
  for (let i = 0; i < frames; i++) {
    parts.push(encodeSampleFrame({ counter: i, readings: Array.from({ length: plates }, (_, p) => 100_000 + p * 37 + (i % 50)) }));
    if (i % 100 === 0) parts.push(Buffer.from([0x00, FRAME_SOF, 0x13])); // noise: one resync per 100 frames
  }
  const stream = Buffer.concat(parts);
  const parser = new FrameParser();
  const drops: DropCounters = { fault: 0, nan: 0, range: 0, missing: 0 };
  let seen = 0;
  parser.on('data', (f: { payload: Buffer }) => {
    const readings: number[] = [];
    for (let p = 0; p < plates; p++) readings.push(f.payload.readInt32LE(5 + 4 * p));
    convertSample(profile, readings, drops);
    seen++;
  });
  const t0 = performance.now();
  for (let at = 0; at < stream.length; at += 4096) parser.write(stream.subarray(at, at + 4096));
  parser.end();
  await new Promise<void>((resolve) => parser.on('end', resolve).resume());
  const elapsedMs = performance.now() - t0;
  if (seen !== frames) throw new Error(`bench parsed ${seen} of ${frames} frames`);
  return { frames, bytes: stream.length, elapsedMs, framesPerS: (frames / elapsedMs) * 1000, mbPerS: stream.length / 1e3 / elapsedMs };
}
