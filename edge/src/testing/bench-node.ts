/**
 * Edge ingest throughput against a raw MQTT subscriber in the same run (DESIGN:
 * "edge throughput as a ratio to a raw MQTT subscriber"). The publisher sends
 * load-cell packets (12 samples x 6 plates, like a real shelf controller) as fast
 * as it can; both subscribers count what they got; the edge also runs them through
 * decode, ordering, the real perception and its SQLite transaction.
 *
 * With `rate` the publisher is paced at that many messages a second on a worker
 * thread (bench-publisher.mjs): does the edge keep up with a given load? Without it,
 * it publishes as fast as it can on the edge's own thread, so the figure is bounded by
 * the publisher (18-28 k msgs/s here) and the ratio is what it says.
 *
 *   npx tsx edge/src/testing/bench-node.ts [mqttUrl] [messages] [rate]
 */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { edgeSubscriptions, topicFor } from '@tebura/contract';
import { startEdge } from '../node/edge.js';
import { fixtureLayout, weightMessages } from '../perception/fixtures.js';

export interface BenchNodeResult {
  messages: number;
  rawMsgsPerS: number;
  edgeMsgsPerS: number;
  ratio: number;
  edgeReceived: number;
  rawReceived: number;
  /** Paced runs: the target rate and the rate the publisher achieved, msgs/s. */
  rate?: number;
  publishedMsgsPerS?: number;
}

/** Publishes `payloads` at `rate` msgs/s on a worker thread; resolves with the publisher's own duration, ms. */
async function pacedPublisher(url: string, clientId: string, payloads: { topic: string; body: string }[], rate: number): Promise<{ go(): Promise<number> }> {
  const w = new Worker(new URL('./bench-publisher.mjs', import.meta.url), { workerData: { url, clientId, payloads, rate } });
  const next = (type: string): Promise<{ type: string; publishMs?: number }> =>
    new Promise((resolve, reject) => {
      const on = (m: { type: string; publishMs?: number }): void => {
        if (m.type !== type) return;
        w.off('message', on);
        resolve(m);
      };
      w.on('message', on);
      w.once('error', reject);
    });
  await next('ready');
  return {
    go: async () => {
      const sent = next('sent');
      w.postMessage('go');
      const { publishMs } = await sent;
      await w.terminate();
      return publishMs ?? NaN;
    },
  };
}

export async function benchNode(mqttUrl: string, messages: number, rate?: number): Promise<BenchNodeResult> {
  const layout = fixtureLayout();
  const storeId = `bench-${Math.random().toString(36).slice(2, 10)}`;
  const node = await startEdge(
    { storeId, mqttUrl, mqttClientId: `edge-${storeId}`, dbPath: ':memory:', layout, console: { enabled: false } },
    { logger: pino({ level: 'silent' }) },
  );
  const raw = await mqtt.connectAsync(mqttUrl, { clientId: `raw-${storeId}`, protocolVersion: 4 });
  const pub = await mqtt.connectAsync(mqttUrl, { clientId: `pub-${storeId}`, protocolVersion: 4 });
  let rawCount = 0;
  let rawDoneAt = 0;
  raw.on('message', (topic) => {
    if (!topic.endsWith('/weight')) return; // the edge's own retained online state
    if (++rawCount === messages) rawDoneAt = performance.now();
  });
  await raw.subscribeAsync(edgeSubscriptions(storeId), { qos: 1 });
  // A steady shelf: every shelf controller sends packets; cycle through them.
  const shelves = layout.gondolas.flatMap((g) => g.shelves);
  const perShelf = Math.ceil(messages / shelves.length);
  const streams = shelves.map((sh) => weightMessages(sh, 1_700_000_000_000, sh.plates.map(() => Array.from({ length: perShelf * sh.loadCell.samplesPerMsg }, () => 1000)), 'bench'));
  const payloads: { topic: string; body: string }[] = [];
  for (let i = 0; payloads.length < messages; i++) {
    const s = streams[i % streams.length]!;
    const m = s[Math.floor(i / streams.length)];
    if (m !== undefined) payloads.push({ topic: topicFor(storeId, 'loadcell/weight', m.deviceId), body: JSON.stringify(m) });
  }
  const paced = rate === undefined ? null : await pacedPublisher(mqttUrl, `pace-${storeId}`, payloads, rate);
  const t0 = performance.now();
  const publishing = paced?.go();
  if (paced === null) for (const p of payloads) pub.publish(p.topic, p.body, { qos: 0 });
  const deadline = Date.now() + 60_000;
  let edgeDoneAt = 0;
  while (Date.now() < deadline && (edgeDoneAt === 0 || rawDoneAt === 0)) {
    if (edgeDoneAt === 0 && node.stats().messages >= messages) edgeDoneAt = performance.now();
    await new Promise((r) => setTimeout(r, 2));
  }
  const edgeReceived = node.stats().messages;
  const publishMs = await publishing;
  await pub.endAsync();
  await raw.endAsync();
  await node.close();
  const rawMsgsPerS = rawDoneAt > 0 ? (messages * 1000) / (rawDoneAt - t0) : 0;
  const edgeMsgsPerS = edgeDoneAt > 0 ? (messages * 1000) / (edgeDoneAt - t0) : 0;
  const pacing = rate === undefined || publishMs === undefined ? {} : { rate, publishedMsgsPerS: (messages * 1000) / publishMs };
  return { messages, rawMsgsPerS, edgeMsgsPerS, ratio: rawMsgsPerS > 0 ? edgeMsgsPerS / rawMsgsPerS : 0, edgeReceived, rawReceived: rawCount, ...pacing };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchNode(process.argv[2] ?? 'mqtt://127.0.0.1:1883', Number(process.argv[3] ?? 20_000), process.argv[4] === undefined ? undefined : Number(process.argv[4])).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exit(1);
    },
  );
}
