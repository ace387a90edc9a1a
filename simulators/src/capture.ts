/**
 * Captures a store's live device traffic from a broker into a recording, so real
 * devices (or any publisher) produce the same JSONL the simulator writes. `t` is
 * the capture clock's time of arrival; payloads are kept as received, valid or not
 * (a recording of a faulty device is still a recording), and counted as rejected.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { decodeMessage, edgeSubscriptions, filterFor, systemClock, type Clock } from '@tebura/contract';
import { RecordingWriter } from './record.js';

/** Messages buffered while the file catches up; beyond this the capture drops and counts. */
const CAPTURE_BUFFER_MAX = 100_000;

export interface CaptureOptions {
  mqttUrl: string;
  storeId: string;
  file: string;
  /** Stops the capture. */
  signal: AbortSignal;
  clock?: Clock;
  source?: string;
}

export async function captureTraffic(opts: CaptureOptions): Promise<{ messages: number; rejected: number; dropped: number }> {
  const clock = opts.clock ?? systemClock;
  const writer = new RecordingWriter(opts.file, { storeId: opts.storeId, source: opts.source ?? 'capture', startMs: clock.now() });
  const client = await mqtt.connectAsync(opts.mqttUrl, { clientId: `tebura-capture-${randomUUID().slice(0, 8)}`, protocolVersion: 4, reconnectPeriod: 1000 });
  const queue: { t: number; topic: string; qos: 0 | 1; retain: boolean; payload: string }[] = [];
  const stats = { messages: 0, rejected: 0, dropped: 0 };
  let wake: (() => void) | null = null;
  client.on('message', (topic, payload, packet) => {
    if (queue.length >= CAPTURE_BUFFER_MAX) {
      stats.dropped++;
      return;
    }
    if (!decodeMessage(topic, payload).ok) stats.rejected++;
    queue.push({ t: clock.now(), topic, qos: packet.qos === 0 ? 0 : 1, retain: packet.retain, payload: payload.toString('utf8') });
    wake?.();
  });
  await client.subscribeAsync([...edgeSubscriptions(opts.storeId), filterFor(opts.storeId, 'gate/decision')], { qos: 1 });
  const stopped = new Promise<void>((r) => opts.signal.addEventListener('abort', () => r(), { once: true }));
  try {
    while (!opts.signal.aborted || queue.length > 0) {
      const m = queue.shift();
      if (m === undefined) {
        await Promise.race([new Promise<void>((r) => (wake = r)), stopped]);
        wake = null;
        continue;
      }
      stats.messages++;
      const w = writer.write(m);
      if (w !== null) await w;
    }
  } finally {
    await client.endAsync();
    await writer.close();
  }
  return stats;
}
