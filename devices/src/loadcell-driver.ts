/**
 * LoadCellDriver: a shelf controller on a serial port -> converted samples.
 * Bytes go through FrameParser, SAMPLE frames are decoded, and raw readings become
 * grams through the device profile. An unexpected close (cable pulled, USB reset)
 * is retried every `reopenDelayMs`, at most `reopenAttemptsMax` times in a row. So is
 * a port that stays open and silent for `silenceMs`: a controller streams without
 * pause, and a tty whose far end went can stay open without ever closing (CI saw a
 * pseudo terminal outlive its socat).
 */
import { Driver, type PortFactory, type SerialPortLike } from './driver.js';
import { decodeSamplePayload, MessageType, type Frame } from './frame.js';
import { FrameParser, type FrameParserCounters } from './parser.js';
import { convertSample, type DeviceProfile, type DropCounters } from './profile.js';
import { isLogWorthy, silentLogger, type Logger } from './log.js';

/** One converted sample of every plate in the profile, in profile order. */
export interface LoadCellSample {
  /** The controller's u32 sample counter. */
  counter: number;
  /** Host time the frame was parsed, epoch ms. */
  receivedAtMs: number;
  /** Grams per plate; null where the reading was rejected. */
  grams: (number | null)[];
}

export interface LoadCellDriverOptions {
  path: string;
  baudRate: number;
  profile: DeviceProfile;
  /** Wait before reopening a port that closed on its own. */
  reopenDelayMs: number;
  /** Consecutive failed reopens before the driver gives up and emits 'fault'. */
  reopenAttemptsMax: number;
  /** No byte for this long on an open port: it is dead and is reopened (default SILENCE_MS_DEFAULT). */
  silenceMs?: number;
  openPort: PortFactory;
  now: () => number;
  log?: Logger;
}

/** A shelf controller sends tens of frames a second: two seconds without a byte is a dead port. */
export const SILENCE_MS_DEFAULT = 2000;

export interface LoadCellDriverCounters extends FrameParserCounters {
  samples: number;
  framesUnknownType: number;
  framesBadPayload: number;
  readingsDropped: DropCounters;
  reopens: number;
  /** Open ports closed for silence (see silenceMs). */
  silences: number;
  listenerErrors: number;
}

export interface LoadCellDriverEvents {
  sample: [LoadCellSample];
  fault: [Error];
}

export class LoadCellDriver extends Driver<LoadCellDriverEvents> {
  private readonly o: LoadCellDriverOptions;
  private readonly log: Logger;
  private readonly own = { samples: 0, framesUnknownType: 0, framesBadPayload: 0, reopens: 0, silences: 0, listenerErrors: 0 };
  private readonly drops: DropCounters = { fault: 0, nan: 0, range: 0, missing: 0 };
  private parser: FrameParser | null = null;
  private port: SerialPortLike | null = null;
  private reopenTimer: NodeJS.Timeout | null = null;
  private reopenAttempts = 0;
  /** Armed while a port is open; every chunk of bytes pushes it back. */
  private silenceTimer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(o: LoadCellDriverOptions) {
    super();
    this.o = o;
    this.log = o.log ?? silentLogger;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.parser ??= this.makeParser();
    this.running = true;
    try {
      await this.open();
    } catch (e) {
      this.running = false;
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.reopenTimer !== null) clearTimeout(this.reopenTimer);
    this.reopenTimer = null;
    this.disarm();
    const port = this.port;
    this.port = null;
    if (port === null) return;
    this.detach(port);
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  counters(): LoadCellDriverCounters {
    const p = this.parser?.counters ?? { framesOk: 0, framesBadCrc: 0, framesBadLength: 0, bytesSkipped: 0, framesTruncated: 0 };
    return { ...p, ...this.own, readingsDropped: { ...this.drops } };
  }

  private makeParser(): FrameParser {
    const parser = new FrameParser(this.log);
    parser.on('data', (frame: Frame) => this.onFrame(frame));
    return parser;
  }

  private async open(): Promise<void> {
    const port = this.o.openPort({ path: this.o.path, baudRate: this.o.baudRate });
    port.on('error', (err) => this.log.warn({ path: this.o.path, err: err.message }, 'serial error'));
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    if (!this.running) {
      port.close();
      return;
    }
    this.port = port;
    this.reopenAttempts = 0;
    // A new session never completes a frame begun in the old one.
    this.parser?.reset();
    port.on('data', (chunk) => {
      this.silenceTimer?.refresh();
      this.parser?.write(chunk);
    });
    port.on('close', (err) => this.onClose(port, err ?? null));
    this.disarm();
    this.silenceTimer = setTimeout(() => this.onSilent(port), this.o.silenceMs ?? SILENCE_MS_DEFAULT);
    this.log.info({ path: this.o.path }, 'serial port open');
  }

  /** Detaches from a port we are done with; a late 'error' from it must still have a listener. */
  private detach(port: SerialPortLike): void {
    port.removeAllListeners();
    port.on('error', (err) => this.log.warn({ path: this.o.path, err: err.message }, 'serial error on a closed port'));
  }

  private onClose(port: SerialPortLike, err: Error | null): void {
    if (!this.running || port !== this.port) return;
    this.port = null;
    this.disarm();
    this.detach(port);
    this.log.warn({ path: this.o.path, err: err?.message }, 'serial port closed unexpectedly; reopening');
    this.scheduleReopen();
  }

  /** Open and silent for silenceMs: closed by us and reopened like one that closed on its own. */
  private onSilent(port: SerialPortLike): void {
    this.silenceTimer = null;
    if (!this.running || port !== this.port) return;
    this.port = null;
    this.own.silences++;
    this.detach(port);
    this.log.warn({ path: this.o.path, silenceMs: this.o.silenceMs ?? SILENCE_MS_DEFAULT }, 'serial port open but silent; reopening');
    if (port.isOpen) port.close();
    this.scheduleReopen();
  }

  private disarm(): void {
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
  }

  private scheduleReopen(): void {
    if (this.reopenAttempts >= this.o.reopenAttemptsMax) {
      this.running = false;
      const fault = new Error(`serial port ${this.o.path} did not reopen after ${this.o.reopenAttemptsMax} attempts`);
      this.log.error({ path: this.o.path }, fault.message);
      this.emit('fault', fault);
      return;
    }
    this.reopenAttempts++;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null;
      this.open().then(
        () => { if (this.port !== null) this.own.reopens++; },
        (e: unknown) => {
          this.log.warn({ path: this.o.path, attempt: this.reopenAttempts, err: (e as Error).message }, 'serial reopen failed');
          if (this.running) this.scheduleReopen();
        },
      );
    }, this.o.reopenDelayMs);
  }

  private onFrame(frame: Frame): void {
    // A serial data handler: nothing may escape it into the parser (STYLE rule 4).
    try {
      const sample = this.decode(frame);
      if (sample === null) return;
      this.own.samples++;
      this.emit('sample', sample);
    } catch (e) {
      this.own.listenerErrors++;
      if (isLogWorthy(this.own.listenerErrors)) this.log.error({ err: (e as Error).message, count: this.own.listenerErrors }, 'sample handling failed; sample dropped');
    }
  }

  private decode(frame: Frame): LoadCellSample | null {
    if (frame.type !== MessageType.SAMPLE) {
      this.own.framesUnknownType++;
      if (isLogWorthy(this.own.framesUnknownType)) this.log.warn({ type: frame.type, count: this.own.framesUnknownType }, 'dropped a frame of unknown type');
      return null;
    }
    const raw = decodeSamplePayload(frame.payload);
    if (raw === null) {
      this.own.framesBadPayload++;
      if (isLogWorthy(this.own.framesBadPayload)) this.log.warn({ bytes: frame.payload.length, count: this.own.framesBadPayload }, 'dropped a SAMPLE frame whose length disagrees with its plate count');
      return null;
    }
    const before = { ...this.drops };
    const grams = convertSample(this.o.profile, raw.readings, this.drops);
    for (const reason of Object.keys(before) as (keyof DropCounters)[]) {
      if (this.drops[reason] !== before[reason] && isLogWorthy(this.drops[reason])) {
        this.log.warn({ reason, count: this.drops[reason], counter: raw.counter }, 'reading rejected by the device profile; sent as null');
      }
    }
    return { counter: raw.counter, receivedAtMs: this.o.now(), grams };
  }
}
