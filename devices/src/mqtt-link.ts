/**
 * The gateway's MQTT side: one MQTT 3.1.1 connection with a retained `online`
 * state published on every connect, an `offline` last will set at connect
 * [MQTT-3.1.2-8], and a bounded drop-oldest queue for weight packets while the
 * broker is away. MQTT.js's own offline queue is switched off for QoS 0
 * (queueQoSZero: false) because it has no bound. The queue drains at most
 * `drainPacketsPerS` after a reconnect: dumping thousands of QoS 0 packets at once
 * can make the broker drop them on the way to a subscriber that cannot keep up
 * (measured on Mosquitto 127.0.0.1: 5000 at once lost ~30% to one QoS 0
 * subscriber; 3000 at once lost none but stacked 1000+ 'drain' listeners on the socket).
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { CONTRACT_VERSION, publishTyped, topicFor, type DeviceState, type LoadCellWeight, type Topic } from '@tebura/contract';
import { DropOldestQueue } from './bounded-queue.js';
import { isLogWorthy, type Logger } from './log.js';

export type ConnectMqtt = (url: string, opts: IClientOptions) => MqttClient;

export interface MqttLinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  keepaliveS: number;
  connectTimeoutMs: number;
  reconnectPeriodMs: number;
  publishQueueLengthMax: number;
  /** Drain rate of the queue after a reconnect. */
  drainPacketsPerS: number;
  closeTimeoutMs: number;
  storeId: string;
  deviceId: string;
  bootId: string;
  now: () => number;
  log: Logger;
  connect?: ConnectMqtt;
}

export interface MqttLinkCounters {
  published: number;
  /** Packets that waited in the queue for the broker. */
  queued: number;
  /** Packets pushed out of a full queue (drop-oldest). */
  droppedOldest: number;
  /** Packets still queued when the gateway stopped. */
  droppedAtStop: number;
  publishErrors: number;
  connects: number;
  /** Client errors (one per failed reconnect attempt while the broker is down). */
  mqttErrors: number;
}

/** Drain timer period; packets per tick follow from drainPacketsPerS. */
const DRAIN_TICK_MS = 20;

interface Pending {
  topic: Topic<'loadcell/weight'>;
  msg: LoadCellWeight;
}

export class MqttLink {
  private readonly o: MqttLinkOptions;
  private readonly queue: DropOldestQueue<Pending>;
  private readonly own = { published: 0, queued: 0, droppedAtStop: 0, publishErrors: 0, connects: 0, mqttErrors: 0 };
  private client: MqttClient | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  /** What we say on connect: online, unless the device behind us has failed. */
  private deviceState: 'online' | 'offline' = 'online';

  constructor(o: MqttLinkOptions) {
    this.o = o;
    this.queue = new DropOldestQueue(o.publishQueueLengthMax);
  }

  /** Connects; resolves once connected, or after connectTimeoutMs (MQTT.js keeps retrying). */
  async start(): Promise<void> {
    const stateTopic = topicFor(this.o.storeId, 'device/state', this.o.deviceId);
    const client = (this.o.connect ?? mqtt.connect)(this.o.url, {
      clientId: this.o.clientId,
      username: this.o.username,
      password: this.o.password,
      protocolVersion: 4,
      clean: true,
      keepalive: this.o.keepaliveS,
      connectTimeout: this.o.connectTimeoutMs,
      reconnectPeriod: this.o.reconnectPeriodMs,
      queueQoSZero: false,
      will: { topic: stateTopic, payload: Buffer.from(JSON.stringify(this.state('offline'))), qos: 1, retain: true },
    });
    this.client = client;
    // While the broker is down MQTT.js reports an error per reconnect attempt: count them all, log few.
    client.on('error', (err) => {
      this.own.mqttErrors++;
      if (isLogWorthy(this.own.mqttErrors)) this.o.log.warn({ err: err.message, count: this.own.mqttErrors }, 'mqtt error');
    });
    client.on('offline', () => this.o.log.warn({ url: this.o.url }, 'mqtt offline; queueing weight packets'));
    const connected = new Promise<void>((resolve) => {
      client.on('connect', () => {
        this.onConnect();
        resolve();
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.o.connectTimeoutMs);
    });
    await Promise.race([connected, timedOut]);
    clearTimeout(timer);
    if (!client.connected) this.o.log.warn({ url: this.o.url }, 'mqtt not connected yet; starting anyway, retrying');
  }

  /** Publishes now, or queues while the broker is away. Never throws. */
  publishWeight(topic: Topic<'loadcell/weight'>, msg: LoadCellWeight): void {
    const client = this.client;
    if (client === null || !client.connected || this.queue.length > 0) {
      this.enqueue({ topic, msg });
      if (client?.connected === true) this.drain();
      return;
    }
    this.send(client, { topic, msg });
  }

  /** Says offline (a clean stop does not fire the will), then disconnects. */
  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    if (client === null) return;
    if (client.connected) {
      // Stopping ends the pacing: what is still queued goes out now, before the offline state.
      for (let p = this.queue.shift(); p !== undefined; p = this.queue.shift()) this.send(client, p);
    }
    this.own.droppedAtStop += this.queue.clear();
    if (client.connected) {
      const topic = topicFor(this.o.storeId, 'device/state', this.o.deviceId);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        client.publishAsync(topic, JSON.stringify(this.state('offline')), { qos: 1, retain: true }).catch((e: unknown) => {
          this.o.log.warn({ err: (e as Error).message }, 'offline state not published');
        }),
        new Promise((resolve) => { timer = setTimeout(resolve, this.o.closeTimeoutMs); }),
      ]);
      clearTimeout(timer);
    }
    await client.endAsync(!client.connected);
  }

  /**
   * Sets the retained state for the device behind the gateway (offline when its
   * serial link has failed for good) and publishes it now if connected.
   */
  setDeviceState(state: 'online' | 'offline'): void {
    this.deviceState = state;
    const client = this.client;
    if (client === null || !client.connected) return;
    this.publishState(client);
  }

  counters(): MqttLinkCounters {
    return { ...this.own, droppedOldest: this.queue.dropped };
  }

  private state(state: 'online' | 'offline'): DeviceState {
    return { v: CONTRACT_VERSION, deviceId: this.o.deviceId, bootId: this.o.bootId, kind: 'loadcell', state, ts: this.o.now() };
  }

  private publishState(client: MqttClient): void {
    const topic = topicFor(this.o.storeId, 'device/state', this.o.deviceId);
    publishTyped(client, topic, this.state(this.deviceState), (err) => {
      if (err) this.o.log.warn({ err: err.message, state: this.deviceState }, 'device state not published');
    });
  }

  private onConnect(): void {
    this.own.connects++;
    const client = this.client;
    if (client === null) return;
    // An MQTT handler: nothing may escape it (STYLE rule 4).
    try {
      // After a dropped connection the broker has published our will; say online again.
      this.publishState(client);
      this.drain();
    } catch (e) {
      this.own.publishErrors++;
      this.o.log.error({ err: (e as Error).message }, 'connect handler failed');
    }
  }

  /** Starts (or keeps) the paced drain; it stops itself when the queue is empty or the link drops. */
  private drain(): void {
    if (this.drainTimer !== null) return;
    const perTick = Math.max(1, Math.round((this.o.drainPacketsPerS * DRAIN_TICK_MS) / 1000));
    const tick = (): void => {
      this.drainTimer = null;
      const client = this.client;
      if (client === null || !client.connected) return;
      for (let n = 0; n < perTick && this.queue.length > 0; n++) {
        const p = this.queue.shift();
        if (p !== undefined) this.send(client, p);
      }
      if (this.queue.length > 0) this.drainTimer = setTimeout(tick, DRAIN_TICK_MS);
    };
    tick();
  }

  private enqueue(p: Pending): void {
    this.own.queued++;
    if (this.queue.push(p) !== undefined && isLogWorthy(this.queue.dropped)) {
      this.o.log.warn({ dropped: this.queue.dropped, lengthMax: this.queue.lengthMax }, 'publish queue full; dropping oldest packets');
    }
  }

  private send(client: MqttClient, p: Pending): void {
    try {
      publishTyped(client, p.topic, p.msg, (err) => {
        if (err === undefined || err === null) {
          this.own.published++;
          return;
        }
        // The connection went away under us: keep the packet for the next connect.
        this.own.publishErrors++;
        this.enqueue(p);
      });
    } catch (e) {
      this.own.publishErrors++;
      this.o.log.error({ err: (e as Error).message, topic: p.topic }, 'publish failed; packet dropped');
    }
  }
}
