/**
 * The one place that maps MQTT topics to payload types.
 *
 * Topic shape: `tebura/v1/<storeId>/<deviceClass>/<deviceId>/<name>`. The device id
 * segment must equal the payload's `deviceId`. Publishing a payload on a topic of
 * another channel does not compile: topics are branded with their channel.
 */
import type { TSchema } from '@sinclair/typebox';
import { TOPIC_ROOT } from './envelope.js';
import {
  CameraDetections,
  DeviceState,
  GateCrossing,
  GateDecision,
  GateEntryRequest,
  LoadCellWeight,
  ProductHints,
} from './messages.js';

export interface ChannelSpec {
  schema: TSchema;
  /** Who publishes it. */
  from: 'device' | 'edge';
  retained: boolean;
  qos: 0 | 1;
  description: string;
  /**
   * Payload field that must equal the topic's id segment: the sender's deviceId for
   * device channels, the addressed gate for the edge's answers.
   */
  addressField?: 'gateId';
}

export const CHANNELS = {
  'loadcell/weight': {
    schema: LoadCellWeight, from: 'device', retained: false, qos: 0,
    description: 'Shelf controller packet: per plate, consecutive gram samples.',
  },
  'camera/detections': {
    schema: CameraDetections, from: 'device', retained: false, qos: 0,
    description: 'Overhead camera frame: person detections in store coordinates (metres).',
  },
  'camera/hints': {
    schema: ProductHints, from: 'device', retained: false, qos: 0,
    description: 'Shelf camera product hint: top-k SKUs seen at some plates.',
  },
  'gate/entry': {
    schema: GateEntryRequest, from: 'device', retained: false, qos: 1,
    description: 'Gate asks to admit a shopper (app token, face image or palm template). Answered on gate/decision with the same txId.',
  },
  'gate/decision': {
    schema: GateDecision, from: 'edge', retained: false, qos: 1, addressField: 'gateId',
    description: 'Edge answers a gate/entry request: open or deny with a reason code; echoes txId.',
  },
  'gate/crossing': {
    schema: GateCrossing, from: 'device', retained: false, qos: 1,
    description: 'Gate passage sensor: one person passed in or out.',
  },
  'device/state': {
    schema: DeviceState, from: 'device', retained: true, qos: 1,
    description: 'Retained online/offline state; offline is the last will set at connect.',
  },
} as const satisfies Record<string, ChannelSpec>;

export type Channel = keyof typeof CHANNELS;

export interface PayloadMap {
  'loadcell/weight': LoadCellWeight;
  'camera/detections': CameraDetections;
  'camera/hints': ProductHints;
  'gate/entry': GateEntryRequest;
  'gate/decision': GateDecision;
  'gate/crossing': GateCrossing;
  'device/state': DeviceState;
}
export type Payload<C extends Channel> = PayloadMap[C];

declare const channelBrand: unique symbol;
/** A topic string that knows its channel, so a publish is type-checked. */
export type Topic<C extends Channel> = string & { readonly [channelBrand]: C };

export function topicFor<C extends Channel>(storeId: string, channel: C, deviceId: string): Topic<C> {
  const [deviceClass, name] = channel.split('/') as [string, string];
  return `${TOPIC_ROOT}/${storeId}/${deviceClass}/${deviceId}/${name}` as Topic<C>;
}

/** Subscription filter for one channel of one store (all devices). */
export function filterFor(storeId: string, channel: Channel): string {
  const [deviceClass, name] = channel.split('/') as [string, string];
  return `${TOPIC_ROOT}/${storeId}/${deviceClass}/+/${name}`;
}

/** Every device-published channel of a store; what an edge subscribes to. */
export function edgeSubscriptions(storeId: string): string[] {
  return (Object.keys(CHANNELS) as Channel[])
    .filter((c) => CHANNELS[c].from === 'device')
    .map((c) => filterFor(storeId, c));
}

export interface ParsedTopic {
  storeId: string;
  channel: Channel;
  deviceId: string;
}

/** Splits a concrete topic; null when it is not one of ours. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , storeId, deviceClass, deviceId, name] = parts as [string, string, string, string, string, string];
  const channel = `${deviceClass}/${name}`;
  if (!(channel in CHANNELS) || storeId === '' || deviceId === '') return null;
  return { storeId, channel: channel as Channel, deviceId };
}

/** Minimal publish surface (MQTT.js's client satisfies it). */
export interface Publisher {
  publish(topic: string, message: string | Buffer, opts: { qos: 0 | 1; retain: boolean }, cb?: (err?: Error) => void): unknown;
}

/** Type-checked publish: the payload must match the topic's channel. */
export function publishTyped<C extends Channel>(
  client: Publisher,
  topic: Topic<C>,
  payload: Payload<C>,
  cb?: (err?: Error) => void,
): void {
  const parsed = parseTopic(topic);
  if (parsed === null) throw new Error(`not a Tebura topic: ${topic}`);
  const spec: ChannelSpec = CHANNELS[parsed.channel];
  client.publish(topic, JSON.stringify(payload), { qos: spec.qos, retain: spec.retained }, cb);
}
