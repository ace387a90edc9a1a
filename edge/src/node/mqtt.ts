/**
 * The edge's MQTT connection: one persistent session per store (clean: false, so
 * QoS 1 gate messages queue at the broker while the edge restarts), MQTT 3.1.1,
 * a retained online state with an offline last will.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { CONTRACT_VERSION, edgeSubscriptions, topicFor, type DeviceState } from '@tebura/contract';
import type { Logger } from 'pino';

export interface EdgeMqttOptions {
  url: string;
  clientId: string;
  storeId: string;
  edgeDeviceId: string;
  bootId: string;
  now(): number;
  log: Logger;
  connectTimeoutMs: number;
  onMessage(topic: string, payload: Buffer): void;
  /**
   * Runs after onMessage, before a QoS 1 message is acknowledged (the broker will not
   * send an acknowledged message again): the node checkpoints what it did there.
   */
  beforeAck(): void;
}

/** Broker reconnect interval: MQTT.js retries forever at this period. */
const RECONNECT_PERIOD_MS = 1000;

function stateMsg(o: EdgeMqttOptions, state: 'online' | 'offline'): string {
  const m: DeviceState = { v: CONTRACT_VERSION, deviceId: o.edgeDeviceId, bootId: o.bootId, kind: 'edge', state, ts: o.now() };
  return JSON.stringify(m);
}

/** Connects and subscribes; resolves once subscribed, or after connectTimeoutMs (the client keeps trying). */
export async function connectEdgeMqtt(o: EdgeMqttOptions): Promise<MqttClient> {
  const stateTopic = topicFor(o.storeId, 'device/state', o.edgeDeviceId);
  const client = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    connectTimeout: o.connectTimeoutMs,
    will: { topic: stateTopic, payload: Buffer.from(stateMsg(o, 'offline')), qos: 1, retain: true },
  });
  client.on('message', (topic, payload) => o.onMessage(topic, payload));
  // MQTT.js sends PUBACK when this calls back; the 'message' handler above has run by then.
  client.handleMessage = (packet, done) => {
    if (packet.qos > 0) {
      try {
        o.beforeAck();
      } catch (err) {
        // Not acknowledging would stall every later message: logged, and the next checkpoint (periodic or another message's) saves it.
        o.log.error({ err }, 'checkpoint before acknowledging a message failed');
      }
    }
    done();
  };
  client.on('error', (err) => o.log.warn({ err: err.message }, 'mqtt error'));
  client.on('offline', () => o.log.warn('mqtt offline; reconnecting'));
  const subscribed = new Promise<void>((resolve) => {
    client.on('connect', () => {
      // With clean: false the broker keeps our subscriptions, but subscribing again is harmless and covers a lost session.
      client.subscribe(edgeSubscriptions(o.storeId), { qos: 1 }, (err) => {
        if (err) o.log.error({ err: err.message }, 'mqtt subscribe failed');
        client.publish(stateTopic, stateMsg(o, 'online'), { qos: 1, retain: true });
        resolve();
      });
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      o.log.warn({ url: o.url }, 'mqtt not connected yet; starting anyway, will keep retrying');
      resolve();
    }, o.connectTimeoutMs);
  });
  await Promise.race([subscribed, timeout]);
  clearTimeout(timer);
  return client;
}

/** Publishes offline (a clean stop does not fire the will) and disconnects. */
export async function closeEdgeMqtt(client: MqttClient, o: Pick<EdgeMqttOptions, 'storeId' | 'edgeDeviceId' | 'bootId' | 'now'>, timeoutMs: number): Promise<void> {
  if (client.connected) {
    const topic = topicFor(o.storeId, 'device/state', o.edgeDeviceId);
    await Promise.race([
      client.publishAsync(topic, stateMsg(o as EdgeMqttOptions, 'offline'), { qos: 1, retain: true }).catch(() => undefined),
      new Promise((r) => setTimeout(r, timeoutMs)),
    ]);
  }
  await client.endAsync(false);
}
