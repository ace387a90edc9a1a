/** Record without a broker, replay into Mosquitto, and check what a subscriber gets. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { decodeMessage, EnvelopeSequencer, TOPIC_ROOT, topicFor } from '@tebura/contract';
import { captureTraffic } from './capture.js';
import { loadStore } from './load.js';
import { generateToFile } from './generate.js';
import { readRecording, replay, retimePayload, type RecordedMessage, type RecordingHeader } from './record.js';
import { SMALL_STORE, scenarioOf } from './test/fixtures.js';

const MQTT_URL = 'mqtt://127.0.0.1:1883';

describe('record and replay', () => {
  it('writes a header and one valid message per line, truth kept apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrec-'));
    const store = { ...loadStore(SMALL_STORE), id: `rec-${randomUUID().slice(0, 8)}` };
    const recordPath = join(dir, 'run.jsonl');
    const truthPath = join(dir, 'truth.json');
    const r = await generateToFile({ scenario: scenarioOf({ shoppers: 1 }), store, seed: 1, recordPath, truthPath });
    const lines: (RecordingHeader | RecordedMessage)[] = [];
    for await (const l of readRecording(recordPath)) lines.push(l);
    const header = lines[0] as RecordingHeader;
    expect(header.format).toBe('tebura-recording');
    expect(header.storeId).toBe(store.id);
    const msgs = lines.slice(1) as RecordedMessage[];
    expect(msgs).toHaveLength(r.messages);
    for (const m of msgs) expect(decodeMessage(m.topic, m.payload).ok).toBe(true);
    for (let i = 1; i < msgs.length; i++) expect(msgs[i]!.t).toBeGreaterThanOrEqual(msgs[i - 1]!.t);
    // The answer is never in the traffic.
    const text = readFileSync(recordPath, 'utf8');
    expect(text).not.toContain('"basket"');
    expect(JSON.parse(readFileSync(truthPath, 'utf8')).sessions).toHaveLength(1);
  });

  it('replays into a broker in order, byte for byte, faster than real time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simrep-'));
    const store = { ...loadStore(SMALL_STORE), id: `rep-${randomUUID().slice(0, 8)}` };
    const recordPath = join(dir, 'run.jsonl');
    await generateToFile({ scenario: scenarioOf({ shoppers: 1, durationS: 30 }), store, seed: 2, recordPath });
    const expected: RecordedMessage[] = [];
    for await (const l of readRecording(recordPath)) if (!('format' in l)) expected.push(l);
    const got: { topic: string; payload: string }[] = [];
    const sub = await mqtt.connectAsync(MQTT_URL, { clientId: `rep-listen-${store.id}`, protocolVersion: 4 });
    sub.on('message', (topic, payload, packet) => {
      if (!packet.retain) got.push({ topic, payload: payload.toString('utf8') });
    });
    await sub.subscribeAsync(`${TOPIC_ROOT}/${store.id}/#`, { qos: 1 });
    const simSpanMs = expected.at(-1)!.t - expected[0]!.t;
    const t0 = performance.now();
    const r = await replay({ file: recordPath, mqttUrl: MQTT_URL, speed: 20 });
    const wallMs = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 300));
    await sub.endAsync();
    expect(r.messages).toBe(expected.length);
    // Paced: roughly span/20, certainly not instant and not real time.
    expect(wallMs).toBeGreaterThan(simSpanMs / 20 * 0.8);
    expect(wallMs).toBeLessThan(simSpanMs);
    // One replay connection: the broker keeps its order [MQTT-4.6.0-5] for QoS 0 and 1 alike here.
    const byTopic = (xs: { topic: string; payload: string }[]) => {
      const m = new Map<string, string[]>();
      for (const x of xs) m.set(x.topic, [...(m.get(x.topic) ?? []), x.payload]);
      return m;
    };
    expect(byTopic(got)).toEqual(byTopic(expected));
  });
});

describe('capture', () => {
  it('records live device traffic (valid or not) in the recording format', async () => {
    const storeId = `cap-${randomUUID().slice(0, 8)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'simcap-')), 'cap.jsonl');
    const ac = new AbortController();
    let t = 1_000;
    const done = captureTraffic({ mqttUrl: MQTT_URL, storeId, file, signal: ac.signal, clock: { now: () => t++ }, source: 'unit-test' });
    await new Promise((r) => setTimeout(r, 300));
    const pub = await mqtt.connectAsync(MQTT_URL, { clientId: `cap-pub-${storeId}`, protocolVersion: 4 });
    const seq = new EnvelopeSequencer('gate-1', 'b1');
    await pub.publishAsync(topicFor(storeId, 'gate/crossing', 'gate-1'), JSON.stringify({ ...seq.next(5), direction: 'in' }), { qos: 1 });
    await pub.publishAsync(topicFor(storeId, 'gate/crossing', 'gate-1'), 'not json', { qos: 1 });
    await pub.endAsync();
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const stats = await done;
    expect(stats).toEqual({ messages: 2, rejected: 1, dropped: 0 });
    const lines: (RecordingHeader | RecordedMessage)[] = [];
    for await (const l of readRecording(file)) lines.push(l);
    expect((lines[0] as RecordingHeader).source).toBe('unit-test');
    expect((lines[2] as RecordedMessage).payload).toBe('not json');
    expect((lines[1] as RecordedMessage).t).toBeLessThan((lines[2] as RecordedMessage).t);
  });
});

describe('replay with retime', () => {
  it('moves times to now and devices to a new boot; messages still pass the contract', async () => {
    const seq = new EnvelopeSequencer('lc-1', 'boot-a');
    const p = retimePayload(JSON.stringify({ ...seq.next(1000), direction: 'in' }), 5000, 'rX');
    expect(JSON.parse(p)).toEqual(expect.objectContaining({ ts: 6000, bootId: 'boot-a.rX', msgId: 'lc-1:boot-a.rX:0', seq: 0 }));
    expect(retimePayload('not json', 5, 'r')).toBe('not json');

    const dir = mkdtempSync(join(tmpdir(), 'simret-'));
    const store = { ...loadStore(SMALL_STORE), id: `ret-${randomUUID().slice(0, 8)}` };
    const recordPath = join(dir, 'run.jsonl');
    await generateToFile({ scenario: scenarioOf({ shoppers: 1, durationS: 20 }), store, seed: 2, recordPath, startMs: 1_000_000_000_000 });
    const got: string[] = [];
    const sub = await mqtt.connectAsync(MQTT_URL, { clientId: `ret-listen-${store.id}`, protocolVersion: 4 });
    sub.on('message', (topic, payload, packet) => {
      if (packet.retain) return;
      const d = decodeMessage(topic, payload);
      expect(d.ok).toBe(true);
      got.push(payload.toString('utf8'));
    });
    await sub.subscribeAsync(`${TOPIC_ROOT}/${store.id}/#`, { qos: 1 });
    const now = 1_800_000_000_000;
    await replay({ file: recordPath, mqttUrl: MQTT_URL, speed: 'max', retime: true, clock: { now: () => now } });
    await new Promise((res) => setTimeout(res, 300));
    await sub.endAsync();
    const first = JSON.parse(got.find((g) => g.includes('"seq":0') && g.includes('"ts"'))!) as { ts: number; bootId: string };
    expect(first.ts).toBeGreaterThanOrEqual(now - 1000);
    expect(first.ts).toBeLessThan(now + 60_000);
    expect(first.bootId).toMatch(/\.r/);
  });
});
