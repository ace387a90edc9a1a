/**
 * The simulator's MQTT side: one connection per device (its own last will), and a
 * publisher that routes engine output to the right connection with a bound on
 * publishes in flight and the recording file's backpressure.
 */
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { topicFor } from '@tebura/contract';
import type { OutMsg, SimEngine } from './engine.js';
import type { RecordingWriter } from './record.js';

/**
 * Publishes handed to MQTT.js but not yet written to the socket before the run waits.
 * Under Node's 1000-listener warning: each publish blocked on a full socket holds a
 * 'drain' listener, and with the gateway transport they all sit on one socket.
 */
const IN_FLIGHT_MAX = 500;
/** Wall-clock bound on connecting one device, ms. */
const CONNECT_TIMEOUT_MS = 10_000;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Resolves on `wake()` or after `ms`, whichever is first; the timer never outlives it. */
export function wakeable(ms: number): { done: Promise<void>; wake: () => void } {
  let wake = (): void => undefined;
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}

/** Key of the shared data connection in the clients map (not a device id: ids have no '#'). */
export const GATEWAY_CLIENT_KEY = '#gateway';

export class DevicePublisher {
  messages = 0;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private readonly gateway: MqttClient | undefined;

  constructor(
    private readonly clients: ReadonlyMap<string, MqttClient>,
    private readonly recorder: RecordingWriter | null,
    private readonly onError: (err: Error) => void,
  ) {
    this.gateway = clients.get(GATEWAY_CLIENT_KEY);
  }

  async publish(batch: OutMsg[]): Promise<void> {
    for (const m of batch) {
      // Readings go through the gateway when there is one; device state stays on the
      // device's own connection, beside its last will.
      const c = this.gateway !== undefined && !m.topic.endsWith('/state') ? this.gateway : this.clients.get(m.deviceId);
      if (c === undefined) continue;
      this.inFlight++;
      this.messages++;
      c.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => {
        this.inFlight--;
        if (err) this.onError(err);
        if (this.drained !== null && this.inFlight < IN_FLIGHT_MAX / 2) {
          this.drained();
          this.drained = null;
        }
      });
      const wait = this.recorder?.write(m);
      if (wait) await wait;
      if (this.inFlight >= IN_FLIGHT_MAX) await new Promise<void>((r) => (this.drained = r));
    }
  }

  /** Waits (bounded) until every publish has left. */
  async flush(timeoutMs: number): Promise<void> {
    const giveUp = performance.now() + timeoutMs;
    while (this.inFlight > 0 && performance.now() < giveUp) await sleep(5);
  }
}

/**
 * One connection per device, each with its retained offline will; gates listen for
 * decisions. With `gateway`, every reading also goes through one shared connection,
 * as a devices/ serial gateway would send it: MQTT keeps one connection's messages
 * in order, so time-compressed runs ('max', high speeds) reach the edge in
 * simulated-time order instead of racing each other across sockets.
 */
export async function connectDevices(
  url: string, storeId: string, engine: SimEngine, onDecision: (topic: string, payload: Buffer) => void, gateway = false,
): Promise<Map<string, MqttClient>> {
  const clients = new Map<string, MqttClient>();
  const suffix = randomUUID().slice(0, 8);
  try {
    if (gateway) {
      const g = await withTimeout(
        mqtt.connectAsync(url, { clientId: `sim-${storeId}-gateway-${suffix}`.slice(0, 120), protocolVersion: 4, reconnectPeriod: 1000 }),
        CONNECT_TIMEOUT_MS,
        'connect gateway',
      );
      clients.set(GATEWAY_CLIENT_KEY, g);
    }
    for (const d of engine.deviceList()) {
      const will = { v: 1, deviceId: d.deviceId, bootId: engine.bootId, kind: d.kind, state: 'offline', ts: engine.cfg.startMs };
      const c = await withTimeout(
        mqtt.connectAsync(url, {
          clientId: `sim-${storeId}-${d.deviceId}-${suffix}`.slice(0, 120),
          protocolVersion: 4,
          reconnectPeriod: 1000,
          will: { topic: topicFor(storeId, 'device/state', d.deviceId), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
        }),
        CONNECT_TIMEOUT_MS,
        `connect ${d.deviceId}`,
      );
      clients.set(d.deviceId, c);
      // After a reconnect the broker has published our will: say online again (outside the recorded stream).
      c.on('connect', () => {
        const online = { ...will, state: 'online', ts: engine.now };
        c.publish(topicFor(storeId, 'device/state', d.deviceId), JSON.stringify(online), { qos: 1, retain: true });
      });
      if (d.kind === 'gate') {
        c.on('message', (topic, payload) => onDecision(topic, payload));
        await c.subscribeAsync(topicFor(storeId, 'gate/decision', d.deviceId), { qos: 1 });
      }
    }
  } catch (e) {
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
    throw e;
  }
  return clients;
}
