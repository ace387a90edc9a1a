/**
 * Device drivers: the hardware side of a gateway. A driver never touches MQTT;
 * the gateway never touches bytes (zigbee-herdsman / zigbee2mqtt split).
 */
import { EventEmitter } from 'node:events';

/**
 * Lifecycle of every driver (EdgeX's device service contract, made small):
 *  - constructor: stores its arguments and nothing else; no I/O, no timers.
 *  - start(): acquires the device and begins emitting; rejects when the device
 *    cannot be acquired at all, so a misconfigured service fails loudly.
 *  - while started: recovers from transient faults within its own bounds, and
 *    emits 'fault' once when those bounds are exhausted (it then stays stopped).
 *  - stop(): releases everything; idempotent; emits nothing after it resolves.
 * A stopped driver may be started again.
 */
export abstract class Driver<Events extends Record<keyof Events, unknown[]>> extends EventEmitter<Events> {
  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
}

/** The part of a serialport stream a driver uses; `SerialPort` and `SerialPortMock` both fit. */
export interface SerialPortLike {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  on(event: 'data', fn: (chunk: Buffer) => void): this;
  on(event: 'close', fn: (err?: Error | null) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  removeAllListeners(): this;
}

export interface SerialOpenOptions {
  path: string;
  baudRate: number;
}

/** Makes an unopened port; the default opens a real device, tests pass a mock. */
export type PortFactory = (o: SerialOpenOptions) => SerialPortLike;

/** Default factory: the OS serial port, loaded on first use so importing stays side-effect free. */
export const systemPortFactory = async (): Promise<PortFactory> => {
  const { SerialPort } = await import('serialport');
  return (o) => new SerialPort({ path: o.path, baudRate: o.baudRate, autoOpen: false });
};
