/**
 * SerialLoadCellGateway: one shelf controller on a serial port -> contract
 * `loadcell/weight` packets over MQTT. The driver side never sees MQTT and the MQTT
 * side never sees bytes; this class only wires them: samples are batched
 * `samplesPerMsg` at a time, wrapped in an envelope from an EnvelopeSequencer with
 * a fresh bootId per start, and published on the controller's own topic.
 */
import { randomInt } from 'node:crypto';
import { EnvelopeSequencer, Prng, systemClock, topicFor, type Clock, type LoadCellWeight } from '@tebura/contract';
import { SampleBatcher, type BatcherCounters, type WeightBatch } from './batcher.js';
import type { GatewayConfig } from './config.js';
import { systemPortFactory, type PortFactory } from './driver.js';
import { LoadCellDriver, type LoadCellDriverCounters } from './loadcell-driver.js';
import { stderrLogger, type Logger } from './log.js';
import { MqttLink, type ConnectMqtt, type MqttLinkCounters } from './mqtt-link.js';

export interface GatewayDeps {
  clock?: Clock;
  /** Draws boot ids; seed it in tests for repeatable ids. */
  prng?: Prng;
  log?: Logger;
  /** Serial port factory; defaults to the OS port (serialport's SerialPort). */
  openPort?: PortFactory;
  /** MQTT connect; defaults to MQTT.js's connect. Tests use it to reach the socket. */
  connectMqtt?: ConnectMqtt;
}

export interface GatewayCounters {
  driver: LoadCellDriverCounters | null;
  batcher: BatcherCounters | null;
  mqtt: MqttLinkCounters | null;
  /** Packets built from batches since the last start. */
  packets: number;
  handlerErrors: number;
}

export class SerialLoadCellGateway {
  private readonly cfg: Readonly<GatewayConfig>;
  private readonly deps: GatewayDeps;
  private readonly clock: Clock;
  private readonly log: Logger;
  private prng: Prng | null = null;
  private run: { bootId: string; driver: LoadCellDriver; batcher: SampleBatcher; link: MqttLink } | null = null;
  private packets = 0;
  private handlerErrors = 0;
  private lastCounters: GatewayCounters = { driver: null, batcher: null, mqtt: null, packets: 0, handlerErrors: 0 };

  constructor(cfg: Readonly<GatewayConfig>, deps: GatewayDeps = {}) {
    this.cfg = cfg;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log ?? stderrLogger(`gateway:${cfg.deviceId}`);
  }

  /** The current boot's id; null while stopped. */
  get bootId(): string | null {
    return this.run?.bootId ?? null;
  }

  /** Connects MQTT (or keeps trying), then opens the serial port; rejects if the port cannot open. */
  async start(): Promise<void> {
    if (this.run !== null) return;
    const cfg = this.cfg;
    this.prng ??= this.deps.prng ?? new Prng(randomInt(0, 2 ** 32));
    const bootId = `${this.clock.now().toString(36)}-${this.prng.nextU32().toString(36)}`;
    const sequencer = new EnvelopeSequencer(cfg.deviceId, bootId);
    const topic = topicFor(cfg.storeId, 'loadcell/weight', cfg.deviceId);
    const sampleIntervalMs = 1000 / cfg.profile.sampleRateHz;
    const link = new MqttLink({
      ...cfg.mqtt,
      clientId: cfg.mqtt.clientId ?? `gw-${cfg.deviceId}`,
      storeId: cfg.storeId,
      deviceId: cfg.deviceId,
      bootId,
      now: () => this.clock.now(),
      log: this.log,
      connect: this.deps.connectMqtt,
    });
    const onBatch = (b: WeightBatch): void => {
      const msg: LoadCellWeight = { ...sequencer.next(b.tsMs), sampleIntervalMs, readings: b.readings };
      this.packets++;
      link.publishWeight(topic, msg);
    };
    const batcher = new SampleBatcher(cfg.profile.plates.map((p) => p.plateId), cfg.samplesPerMsg, onBatch);
    const driver = new LoadCellDriver({
      ...cfg.serial,
      profile: cfg.profile,
      openPort: this.deps.openPort ?? (await systemPortFactory()),
      now: () => this.clock.now(),
      log: this.log,
    });
    driver.on('sample', (s) => {
      try {
        batcher.add(s);
      } catch (e) {
        this.handlerErrors++;
        this.log.error({ err: (e as Error).message }, 'sample not batched; dropped');
      }
    });
    driver.on('fault', (err) => {
      this.log.error({ err: err.message }, 'serial driver gave up; device state offline until restart');
      try {
        batcher.flush();
        link.setDeviceState('offline');
      } catch (e) {
        this.handlerErrors++;
        this.log.error({ err: (e as Error).message }, 'fault handling failed');
      }
    });
    this.run = { bootId, driver, batcher, link };
    this.packets = 0;
    await link.start();
    try {
      await driver.start();
    } catch (e) {
      this.run = null;
      await link.stop();
      throw e;
    }
    this.log.info({ bootId, path: cfg.serial.path, storeId: cfg.storeId }, 'gateway started');
  }

  /** Closes the port, publishes the partial packet and the offline state, disconnects. */
  async stop(): Promise<void> {
    const run = this.run;
    if (run === null) return;
    await run.driver.stop();
    run.batcher.flush();
    await run.link.stop();
    this.lastCounters = this.snapshot(run);
    this.run = null;
    this.log.info({ bootId: run.bootId }, 'gateway stopped');
  }

  /** Counters of the current run, or of the last one after stop(). */
  counters(): GatewayCounters {
    return this.run === null ? this.lastCounters : this.snapshot(this.run);
  }

  private snapshot(run: NonNullable<SerialLoadCellGateway['run']>): GatewayCounters {
    return {
      driver: run.driver.counters(),
      batcher: { ...run.batcher.counters },
      mqtt: run.link.counters(),
      packets: this.packets,
      handlerErrors: this.handlerErrors,
    };
  }
}
