/**
 * The paced publisher of the throughput benchmark (bench-node.ts `rate`), on a worker
 * thread so that the edge's event loop does not slow it: it publishes the payloads at
 * QoS 0 at `rate` messages a second, in 1 ms steps, and reports how long that took.
 * (Unpaced on its own thread it outran both subscribers and Mosquitto dropped QoS 0
 * messages to them.) Plain JavaScript: a worker needs no TypeScript loader.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import mqtt from 'mqtt';

const { url, clientId, payloads, rate } = workerData;
const client = await mqtt.connectAsync(url, { clientId, protocolVersion: 4 });
parentPort.once('message', () => {
  const start = performance.now();
  let i = 0;
  const step = () => {
    const due = Math.min(payloads.length, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
    for (; i < due; i++) client.publish(payloads[i].topic, payloads[i].body, { qos: 0 });
    if (i < payloads.length) {
      setTimeout(step, 1);
      return;
    }
    const publishMs = performance.now() - start;
    // end() flushes what is queued before it disconnects.
    client.end(false, {}, () => parentPort.postMessage({ type: 'sent', publishMs }));
  };
  step();
});
parentPort.postMessage({ type: 'ready' });
