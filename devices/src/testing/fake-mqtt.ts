/** Test double for MQTT.js's client, shared by the MqttLink and gateway unit tests. */
import { EventEmitter } from 'node:events';

/** Just enough of MQTT.js's client: QoS 0 publish while disconnected fails like queueQoSZero: false does. */
export class FakeClient extends EventEmitter {
  connected = false;
  /** Fails the next publish as if the socket died between our check and the write. */
  failNext = false;
  sent: { topic: string; payload: string; retain: boolean }[] = [];
  publish(topic: string, payload: string, opts: { retain: boolean }, cb?: (err?: Error) => void): this {
    if (!this.connected || this.failNext) {
      this.failNext = false;
      cb?.(new Error('No connection to broker'));
    }
    else {
      this.sent.push({ topic, payload, retain: opts.retain });
      cb?.();
    }
    return this;
  }
  publishAsync(topic: string, payload: string, opts: { retain: boolean }): Promise<void> {
    this.sent.push({ topic, payload, retain: opts.retain });
    return Promise.resolve();
  }
  endAsync(): Promise<void> {
    this.connected = false;
    return Promise.resolve();
  }
  up(): void {
    this.connected = true;
    this.emit('connect');
  }
}

