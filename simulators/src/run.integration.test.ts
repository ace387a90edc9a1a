/** runSimulation through a real Mosquitto on 127.0.0.1:1883, with a stand-in edge that answers the gate. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeMessage, EnvelopeSequencer, filterFor, publishTyped, TOPIC_ROOT, topicFor, type StoreLayout } from '@tebura/contract';
import { loadStore } from './load.js';
import { connectDevices, runSimulation } from './run.js';
import { SimEngine } from './engine.js';
import { SMALL_STORE, scenarioOf } from './test/fixtures.js';
import type { GroundTruth } from './truth.js';

const MQTT_URL = 'mqtt://127.0.0.1:1883';
const base = loadStore(SMALL_STORE);

/** The small store under a unique id, so parallel test runs do not cross-talk. */
function uniqueStore(): StoreLayout {
  return { ...base, id: `simit-${randomUUID().slice(0, 8)}` };
}

/** Answers every gate/entry with open, like an edge that knows everybody. */
async function fakeEdge(storeId: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(MQTT_URL, { clientId: `fake-edge-${storeId}`, protocolVersion: 4 });
  const seqs = new Map<string, EnvelopeSequencer>();
  c.on('message', (topic, payload) => {
    const d = decodeMessage(topic, payload);
    if (!d.ok || d.channel !== 'gate/entry') return;
    const s = seqs.get(d.deviceId) ?? new EnvelopeSequencer(d.deviceId, 'edge-boot');
    seqs.set(d.deviceId, s);
    publishTyped(c, topicFor(storeId, 'gate/decision', d.deviceId), { ...s.next(Date.now()), gateId: d.deviceId, txId: d.msg.txId, status: 'ok', decision: 'open', reason: 'OK', sessionId: `sess-${d.msg.txId}`.slice(0, 64), guests: d.msg.guests });
  });
  await c.subscribeAsync(filterFor(storeId, 'gate/entry'), { qos: 1 });
  return c;
}

async function listen(storeId: string): Promise<{ client: MqttClient; got: { topic: string; payload: string }[] }> {
  const got: { topic: string; payload: string }[] = [];
  const client = await mqtt.connectAsync(MQTT_URL, { clientId: `listen-${storeId}-${randomUUID().slice(0, 6)}`, protocolVersion: 4 });
  // Retained copies from earlier runs arrive flagged retain on subscribe [MQTT-3.3.1-8]; only live simulator traffic counts (decisions come from the stand-in edge).
  client.on('message', (topic, payload, packet) => {
    if (!packet.retain && !topic.endsWith('/decision')) got.push({ topic, payload: payload.toString('utf8') });
  });
  await client.subscribeAsync(`${TOPIC_ROOT}/${storeId}/#`, { qos: 1 });
  return { client, got };
}

const hooks = { issueAppToken: (c: string, s: string) => Promise.resolve(`tok-${s}-${c}`) };

describe('runSimulation against Mosquitto', () => {
  const clients: MqttClient[] = [];
  beforeAll(() => undefined);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
  });

  it('publishes well-formed contract messages, waits for the edge decision and writes truth', async () => {
    const store = uniqueStore();
    clients.push(await fakeEdge(store.id));
    const { client, got } = await listen(store.id);
    clients.push(client);
    const dir = mkdtempSync(join(tmpdir(), 'simrun-'));
    const truthPath = join(dir, 'truth.json');
    const scenario = scenarioOf({ shoppers: 2, entry: { app: 1, palm: 1 }, arrivals: { pattern: 'uniform', windowS: 4 } });
    const progress: number[] = [];
    const r = await runSimulation({ scenario, store, seed: 21, mqttUrl: MQTT_URL, speed: 'max', hooks, truthPath, onProgress: (p) => progress.push(p.shoppersDone) });
    await new Promise((res) => setTimeout(res, 300));
    expect(r.messages).toBeGreaterThan(500);
    expect(r.decisionTimeouts).toBe(0);
    expect(got.length).toBe(r.messages);
    const channels = new Set<string>();
    for (const m of got) {
      const d = decodeMessage(m.topic, m.payload);
      expect(d.ok, `${m.topic} ${d.ok ? '' : d.reason}`).toBe(true);
      if (d.ok) channels.add(d.channel);
    }
    expect([...channels].sort()).toEqual(['camera/detections', 'camera/hints', 'device/state', 'gate/crossing', 'gate/entry', 'loadcell/weight'].filter((c) => c !== 'camera/hints' || channels.has(c)).sort());
    const truth = JSON.parse(readFileSync(truthPath, 'utf8')) as GroundTruth;
    expect(truth.sessions.map((s) => s.decision)).toEqual(['open', 'open']);
    expect(truth.sessions[0]!.sessionId).toMatch(/^sess-/);
    expect(progress.at(-1)).toBe(2);
    const app = got.find((m) => m.topic.endsWith('/entry') && m.payload.includes('"kind":"app"'));
    if (app !== undefined) expect(app.payload).toContain(`tok-${store.id}-`);
    // Retained state: the last word of every device is offline after a clean end.
    const states = got.filter((m) => m.topic.endsWith('/state')).map((m) => JSON.parse(m.payload) as { state: string });
    expect(states.filter((s) => s.state === 'offline')).toHaveLength(states.length / 2);
  });

  it('is byte-for-byte deterministic through the broker (recording and per-device streams)', async () => {
    const store = uniqueStore();
    clients.push(await fakeEdge(store.id));
    const dir = mkdtempSync(join(tmpdir(), 'simdet-'));
    const scenario = scenarioOf({ shoppers: 2, arrivals: { pattern: 'uniform', windowS: 3 }, entry: { palm: 1, app: 0 } });
    const streams: string[] = [];
    const recordings: string[] = [];
    for (const k of [0, 1]) {
      const { client, got } = await listen(store.id);
      const recordPath = join(dir, `rec${k}.jsonl`);
      await runSimulation({ scenario, store, seed: 99, mqttUrl: MQTT_URL, speed: 'max', hooks, startMs: 1_767_000_000_000, recordPath });
      await new Promise((res) => setTimeout(res, 300));
      await client.endAsync();
      // Per-topic order is what MQTT guarantees across connections.
      const byTopic = new Map<string, string[]>();
      for (const m of got) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m.payload]);
      streams.push(JSON.stringify([...byTopic.entries()].sort(([a], [b]) => a.localeCompare(b))));
      recordings.push(readFileSync(recordPath, 'utf8'));
    }
    expect(streams[0]!.length).toBeGreaterThan(10_000);
    expect(streams[1]).toBe(streams[0]);
    expect(recordings[1]).toBe(recordings[0]);
  });
});

describe('device connections', () => {
  it('each device has its own last will: a dropped connection turns its retained state offline [MQTT-3.1.2-8]', async () => {
    const store = uniqueStore();
    const scenario = scenarioOf({ shoppers: 1 });
    const engine = new SimEngine({ scenario, store, seed: 1, startMs: 1_767_000_000_000, identities: [], emit: () => undefined, appToken: () => undefined, facePhoto: () => undefined });
    const clients = await connectDevices(MQTT_URL, store.id, engine, () => undefined);
    expect(clients.size).toBe(engine.deviceList().length);
    const { client, got } = await listen(store.id);
    const victim = store.gondolas[0]!.shelves[0]!.loadCell.deviceId;
    // An unclean drop (no DISCONNECT), as when the device loses power.
    clients.get(victim)!.stream.destroy();
    const deadline = Date.now() + 5000;
    while (!got.some((m) => m.topic.endsWith(`/${victim}/state`)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await Promise.all([...clients.entries()].filter(([id]) => id !== victim).map(([, c]) => c.endAsync()));
    await clients.get(victim)!.endAsync(true);
    await client.endAsync();
    const states = got.filter((m) => m.topic.endsWith('/state')).map((m) => JSON.parse(m.payload) as { deviceId: string; state: string });
    // Only the victim's state changed; it may already be back online after its reconnect.
    expect(states.every((st) => st.deviceId === victim)).toBe(true);
    expect(states[0]).toEqual(expect.objectContaining({ deviceId: victim, state: 'offline' }));
    expect(decodeMessage(topicFor(store.id, 'device/state', victim), got[0]!.payload).ok).toBe(true);
  });
});

describe('runSimulation without a willing edge', () => {
  it('bounds the wait for a decision, counts a malformed answer, and turns the shopper away', async () => {
    const store = uniqueStore();
    // A broken edge: answers with garbage on the decision topic.
    const bad = await mqtt.connectAsync(MQTT_URL, { clientId: `bad-edge-${store.id}`, protocolVersion: 4 });
    bad.on('message', (topic) => {
      const gate = topic.split('/')[4]!;
      bad.publish(topicFor(store.id, 'gate/decision', gate), '{"txId":', { qos: 1 });
    });
    await bad.subscribeAsync(filterFor(store.id, 'gate/entry'), { qos: 1 });
    const logs: string[] = [];
    const t0 = performance.now();
    const r = await runSimulation({ scenario: scenarioOf({ shoppers: 1, durationS: 60 }), store, seed: 3, mqttUrl: MQTT_URL, speed: 'max', hooks, decisionWaitMs: 300, log: (m) => logs.push(m) });
    await bad.endAsync();
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.decisionTimeouts).toBe(1);
    expect(r.rejectedDecisions).toBe(1);
    expect(logs.some((l) => l.includes('E_JSON'))).toBe(true);
    expect(r.truth.sessions[0]).toEqual(expect.objectContaining({ decision: 'timeout', entryTs: null, exitTs: null, basket: [] }));
  });
});

describe('runSimulation pacing', () => {
  it('runs simulated time at speed x wall time, and stops promptly on abort', async () => {
    const store = uniqueStore();
    const edge = await fakeEdge(store.id);
    const scenario = scenarioOf({ shoppers: 1, durationS: 60 });
    const t0 = performance.now();
    const r = await runSimulation({ scenario, store, seed: 5, mqttUrl: MQTT_URL, speed: 40, hooks });
    const wallMs = performance.now() - t0;
    expect(wallMs).toBeGreaterThan((r.simDurationMs / 40) * 0.9);
    expect(wallMs).toBeLessThan(r.simDurationMs / 4);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 500);
    const t1 = performance.now();
    const cut = await runSimulation({ scenario: scenarioOf({ shoppers: 3, durationS: 600 }), store, seed: 6, mqttUrl: MQTT_URL, speed: 1, hooks, signal: ac.signal });
    expect(performance.now() - t1).toBeLessThan(5000);
    expect(cut.simDurationMs).toBeLessThan(2000);
    await edge.endAsync();
  });
});
