/**
 * Byte stream -> checked frames. A `stream.Transform` with byte input and object
 * output (node-serialport's parser shape): it skips to the next start byte, waits
 * for a whole frame across chunks, emits every frame of a chunk, and drops a frame
 * with a bad length or checksum with one log line and a counter. After a bad frame
 * it rescans from the byte after that start byte, because a corrupted length must
 * not swallow the good frames behind it.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { checkFrame, FRAME_BYTES_MAX, FRAME_SOF, type Frame } from './frame.js';
import { isLogWorthy, silentLogger, type Logger } from './log.js';

/**
 * The partial-frame buffer never holds more than one incomplete frame, so its
 * bound is the longest legal frame; anything longer was rejected by its length.
 */
export const PARTIAL_FRAME_BYTES_MAX = FRAME_BYTES_MAX - 1;

export interface FrameParserCounters {
  framesOk: number;
  framesBadCrc: number;
  framesBadLength: number;
  /** Bytes outside any frame (line noise, a frame cut by a reset). */
  bytesSkipped: number;
  /** Partial frames left when the stream ended. */
  framesTruncated: number;
}

export class FrameParser extends Transform {
  readonly counters: FrameParserCounters = { framesOk: 0, framesBadCrc: 0, framesBadLength: 0, bytesSkipped: 0, framesTruncated: 0 };
  private pending: Buffer = Buffer.alloc(0);
  /**
   * True from a bad frame until the next good one. Start bytes inside the bad
   * frame's own payload make more bad candidates while rescanning; they belong to
   * the same damage, so they count as skipped bytes, not as further bad frames.
   */
  private resyncing = false;
  private readonly log: Logger;

  constructor(log: Logger = silentLogger) {
    super({ readableObjectMode: true });
    this.log = log;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    // A handler of serial data: nothing may escape it (STYLE rule 4).
    try {
      this.scan(this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]));
      done();
    } catch (e) {
      this.pending = Buffer.alloc(0);
      this.log.error({ err: (e as Error).message }, 'frame parser failed on a chunk; dropped it');
      done();
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) {
      this.counters.framesTruncated++;
      this.log.warn({ bytes: this.pending.length }, 'stream ended inside a frame; dropped it');
      this.pending = Buffer.alloc(0);
    }
    done();
  }

  /** Forgets a partial frame (the port was reopened; its rest will never come). */
  reset(): void {
    if (this.pending.length > 0) this.counters.framesTruncated++;
    this.resyncing = false;
    this.pending = Buffer.alloc(0);
  }

  private scan(buf: Buffer): void {
    let i = 0;
    let skipped = 0;
    this.pending = Buffer.alloc(0);
    while (i < buf.length) {
      const start = buf.indexOf(FRAME_SOF, i);
      if (start < 0) {
        skipped += buf.length - i;
        break;
      }
      skipped += start - i;
      const r = checkFrame(buf.subarray(start));
      if (r === 'short') {
        // Copy, so the pool slab behind `chunk` can be released.
        this.pending = Buffer.from(buf.subarray(start));
        break;
      }
      if (r === 'bad-length' || r === 'bad-crc') {
        this.dropBad(r, buf, start);
        i = start + 1;
        continue;
      }
      this.counters.framesOk++;
      this.resyncing = false;
      this.push(r.frame satisfies Frame);
      i = start + r.bytes;
    }
    if (skipped > 0) this.counters.bytesSkipped += skipped;
    if (this.pending.length > PARTIAL_FRAME_BYTES_MAX) {
      throw new Error(`partial frame of ${this.pending.length} bytes exceeds ${PARTIAL_FRAME_BYTES_MAX}`);
    }
  }

  private dropBad(reason: 'bad-length' | 'bad-crc', buf: Buffer, start: number): void {
    // One byte counted as skipped: the start byte we now step over.
    this.counters.bytesSkipped++;
    if (this.resyncing) return;
    this.resyncing = true;
    if (reason === 'bad-crc') this.counters.framesBadCrc++;
    else this.counters.framesBadLength++;
    const total = this.counters.framesBadCrc + this.counters.framesBadLength;
    if (!isLogWorthy(total)) return;
    const lengthField = start + 3 <= buf.length ? buf.readUInt16LE(start + 1) : -1;
    this.log.warn({ reason, lengthField, badFrames: total }, 'dropped a bad frame; rescanning from the next start byte');
  }
}
