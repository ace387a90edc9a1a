/**
 * AiFi plate series to recorded `loadcell/weight` messages: one per shelf per
 * 12-sample controller packet, in time order, framed by retained device states.
 */
import { EnvelopeSequencer, topicFor } from '@tebura/contract';
import type { RecordedMessage } from './record.js';
import type { PlateSeries } from './aifi.js';

const SAMPLES_PER_PACKET = 12;
const SAMPLE_INTERVAL_MS = 1000 / 60;

export function buildRecording(
  series: PlateSeries[],
  storeId: string,
  bootId: string,
  deviceOf: (g: number, s: number) => string,
): { messages: RecordedMessage[]; startMs: number; endMs: number } {
  const shelves = new Map<string, PlateSeries[]>();
  for (const ps of series) shelves.set(`${ps.g}|${ps.s}`, [...(shelves.get(`${ps.g}|${ps.s}`) ?? []), ps]);
  const packets: { t: number; ts: number; g: number; s: number; readings: { plateId: string; grams: (number | null)[] }[] }[] = [];
  for (const plates of shelves.values()) {
    const { g, s } = plates[0]!;
    plates.sort((a, b) => a.p - b.p);
    // Packet start times (the first row of every 12) of all plates of the shelf, matched by their exact text.
    const times = new Map<string, number>();
    for (const ps of plates) for (let k = 0; k + SAMPLES_PER_PACKET <= ps.rows.length; k += SAMPLES_PER_PACKET) times.set(ps.rows[k]!.tText, ps.rows[k]!.t);
    const indexOf = plates.map((ps) => {
      const m = new Map<string, number>();
      for (let k = 0; k + SAMPLES_PER_PACKET <= ps.rows.length; k += SAMPLES_PER_PACKET) m.set(ps.rows[k]!.tText, k);
      return m;
    });
    for (const [tText, t] of [...times.entries()].sort((a, b) => a[1] - b[1])) {
      const readings = plates.map((ps, i) => {
        const k = indexOf[i]!.get(tText);
        // A plate without this packet dropped it: nulls, as a device would report.
        const grams = k === undefined ? new Array<number | null>(SAMPLES_PER_PACKET).fill(null) : ps.rows.slice(k, k + SAMPLES_PER_PACKET).map((r) => (Number.isFinite(r.grams) ? r.grams : null));
        return { plateId: `g${g}-s${s}-p${ps.p}`, grams };
      });
      const ts = Math.round(t * 1e6) / 1e3;
      packets.push({ t: ts + SAMPLE_INTERVAL_MS * (SAMPLES_PER_PACKET - 1), ts, g, s, readings });
    }
  }
  packets.sort((a, b) => a.t - b.t || a.g - b.g || a.s - b.s);
  const startMs = Math.floor(packets[0]?.ts ?? 0);
  const endMs = Math.ceil(packets[packets.length - 1]?.t ?? 0);
  const seqs = new Map<string, EnvelopeSequencer>();
  const seqFor = (g: number, s: number): EnvelopeSequencer => {
    const k = `${g}|${s}`;
    let q = seqs.get(k);
    if (q === undefined) {
      q = new EnvelopeSequencer(deviceOf(g, s), bootId);
      seqs.set(k, q);
    }
    return q;
  };
  const state = (g: number, s: number, st: 'online' | 'offline', ts: number): RecordedMessage => {
    const seq = seqFor(g, s);
    return { t: ts, topic: topicFor(storeId, 'device/state', seq.deviceId), qos: 1, retain: true, payload: JSON.stringify({ v: 1, deviceId: seq.deviceId, bootId: seq.bootId, kind: 'loadcell', state: st, ts }) };
  };
  const shelfKeys = [...shelves.values()].map((p) => ({ g: p[0]!.g, s: p[0]!.s }));
  const messages: RecordedMessage[] = shelfKeys.map(({ g, s }) => state(g, s, 'online', startMs));
  for (const pk of packets) {
    const env = seqFor(pk.g, pk.s).next(pk.ts);
    messages.push({ t: pk.t, topic: topicFor(storeId, 'loadcell/weight', deviceOf(pk.g, pk.s)), qos: 0, retain: false, payload: JSON.stringify({ ...env, sampleIntervalMs: SAMPLE_INTERVAL_MS, readings: pk.readings }) });
  }
  messages.push(...shelfKeys.map(({ g, s }) => state(g, s, 'offline', endMs)));
  return { messages, startMs, endMs };
}
