/**
 * Recordings: MQTT traffic as JSON Lines, one message per line, in send order.
 * The same format carries simulator runs, converted real data (AiFi) and captures
 * of real devices. Format (docs/simulator.md):
 *   line 1: {"format":"tebura-recording","version":1,"storeId":..,"source":..,"startMs":..,...}
 *   then:   {"t":<epoch ms when sent>,"topic":"tebura/v1/...","qos":0|1,"retain":bool,"payload":"<exact payload text>"}
 * The payload is kept as the exact string sent, so a replay is byte-identical.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { systemClock, type Clock } from '@tebura/contract';
import type { OutMsg } from './engine.js';

export const RECORDING_FORMAT = 'tebura-recording';
export const RECORDING_VERSION = 1;
/** Longest line a reader accepts (a face image is ~2 MB of base64), characters. */
export const RECORDING_LINE_CHARS_MAX = 2_500_000;
/** Publishes not yet handed to the socket before the replayer waits. */
const REPLAY_IN_FLIGHT_MAX = 1000;
/** How long a finished replay waits for the last publishes to leave, ms. */
const DRAIN_TIMEOUT_MS = 30_000;

export interface RecordingHeader {
  format: typeof RECORDING_FORMAT;
  version: typeof RECORDING_VERSION;
  storeId: string;
  /** Where the traffic came from: 'sim', 'aifi', or a device capture. */
  source: string;
  startMs: number;
  scenario?: string;
  seed?: number;
  note?: string;
}

export interface RecordedMessage {
  t: number;
  topic: string;
  qos: 0 | 1;
  retain: boolean;
  payload: string;
}

export function recordLine(m: Pick<OutMsg, 't' | 'topic' | 'qos' | 'retain' | 'payload'>): string {
  const r: RecordedMessage = { t: m.t, topic: m.topic, qos: m.qos, retain: m.retain, payload: m.payload };
  return `${JSON.stringify(r)}\n`;
}

/** Appends to a recording file, waiting for the stream to drain (bounded memory). */
export class RecordingWriter {
  private readonly out: WriteStream;

  constructor(path: string, header: Omit<RecordingHeader, 'format' | 'version'>) {
    this.out = createWriteStream(path, { encoding: 'utf8' });
    this.out.write(`${JSON.stringify({ format: RECORDING_FORMAT, version: RECORDING_VERSION, ...header })}\n`);
  }

  /** Returns a promise only when the caller should wait for the disk. */
  write(m: Pick<OutMsg, 't' | 'topic' | 'qos' | 'retain' | 'payload'>): Promise<void> | null {
    if (this.out.write(recordLine(m))) return null;
    return once(this.out, 'drain').then(() => undefined);
  }

  async close(): Promise<void> {
    this.out.end();
    await once(this.out, 'finish');
  }
}

function parseHeader(line: string, file: string): RecordingHeader {
  const h = JSON.parse(line) as Partial<RecordingHeader>;
  if (h.format !== RECORDING_FORMAT || h.version !== RECORDING_VERSION) throw new Error(`${file}: not a ${RECORDING_FORMAT} v${RECORDING_VERSION} file`);
  return h as RecordingHeader;
}

function parseMessage(line: string, file: string, lineNo: number): RecordedMessage {
  const m = JSON.parse(line) as Partial<RecordedMessage>;
  if (typeof m.t !== 'number' || typeof m.topic !== 'string' || typeof m.payload !== 'string' || (m.qos !== 0 && m.qos !== 1)) {
    throw new Error(`${file}:${lineNo}: bad recorded message`);
  }
  return { t: m.t, topic: m.topic, qos: m.qos, retain: m.retain === true, payload: m.payload };
}

/** Streams a recording: the header, then each message. */
export async function* readRecording(file: string): AsyncGenerator<RecordingHeader | RecordedMessage> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    if (line.length > RECORDING_LINE_CHARS_MAX) throw new Error(`${file}:${lineNo}: line longer than ${RECORDING_LINE_CHARS_MAX} characters`);
    yield lineNo === 1 ? parseHeader(line, file) : parseMessage(line, file, lineNo);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Moves a recorded message to another time and boot: `ts` shifted by `offsetMs`,
 * `bootId` suffixed (msgId follows), so an edge that already saw the recording
 * (it drops duplicates by deviceId, bootId, seq) or checks freshness takes it as
 * new traffic. Payloads that are not JSON objects pass unchanged.
 */
export function retimePayload(payload: string, offsetMs: number, bootSuffix: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch {
    return payload; // A recorded invalid payload is replayed as it was.
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return payload;
  const o = doc as Record<string, unknown>;
  if (typeof o['ts'] === 'number') o['ts'] = o['ts'] + offsetMs;
  if (typeof o['bootId'] === 'string') {
    o['bootId'] = `${o['bootId'].slice(0, 63 - bootSuffix.length)}.${bootSuffix}`;
    if (typeof o['msgId'] === 'string' && typeof o['seq'] === 'number') o['msgId'] = `${String(o['deviceId'])}:${o['bootId'] as string}:${o['seq']}`;
  }
  return JSON.stringify(o);
}

export interface ReplayOptions {
  file: string;
  mqttUrl: string;
  speed: number | 'max';
  signal?: AbortSignal;
  /** Shift device times so the first message is "now" and give every device a new boot (payloads change). */
  retime?: boolean;
  clock?: Clock;
}

/** Publishes a recording into a broker, paced at `speed` x the recorded times or as fast as possible. */
export async function replay(opts: ReplayOptions): Promise<{ messages: number }> {
  const client = await mqtt.connectAsync(opts.mqttUrl, { clientId: `tebura-replay-${randomUUID().slice(0, 8)}`, protocolVersion: 4, reconnectPeriod: 1000 });
  let messages = 0;
  let inFlight = 0;
  let drained: (() => void) | null = null;
  let firstT: number | null = null;
  let offsetMs: number | null = null;
  const clock = opts.clock ?? systemClock;
  const bootSuffix = `r${clock.now().toString(36)}`;
  const wallStart = performance.now();
  try {
    for await (const rec of readRecording(opts.file)) {
      if (opts.signal?.aborted === true) break;
      if ('format' in rec) continue;
      firstT ??= rec.t;
      offsetMs ??= Math.round(clock.now() - rec.t);
      if (opts.speed !== 'max') {
        const due = wallStart + (rec.t - firstT) / opts.speed;
        const ahead = due - performance.now();
        if (ahead > 2) await sleep(ahead);
      }
      inFlight++;
      const payload = opts.retime === true ? retimePayload(rec.payload, offsetMs, bootSuffix) : rec.payload;
      client.publish(rec.topic, payload, { qos: rec.qos, retain: rec.retain }, () => {
        inFlight--;
        if (drained !== null && inFlight < REPLAY_IN_FLIGHT_MAX / 2) {
          drained();
          drained = null;
        }
      });
      messages++;
      if (inFlight >= REPLAY_IN_FLIGHT_MAX) await new Promise<void>((r) => (drained = r));
    }
    const giveUp = performance.now() + DRAIN_TIMEOUT_MS;
    while (inFlight > 0 && performance.now() < giveUp) await sleep(5);
  } finally {
    await client.endAsync();
  }
  return { messages };
}
