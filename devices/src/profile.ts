/**
 * Declarative device profile (EdgeX style): what a controller's channels mean.
 * Per plate: which frame channel carries it, how raw values become grams
 * (grams = raw * scale + offset; offset holds the tare), and the range a real
 * reading can take. Conversion happens here and only here, and it rejects NaN,
 * infinities, the board's fault marker and readings outside the valid range:
 * each becomes null (a dropout in the contract's LoadCellWeight) and is counted.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdString, PLATES_PER_MSG_MAX, type ErrorDetail } from '@tebura/contract';
import { FRAME_PLATES_MAX, READING_FAULT } from './frame.js';

export const PlateChannel = Type.Object(
  {
    plateId: IdString,
    /** Index of this plate's reading in the controller's SAMPLE frame. */
    channel: Type.Integer({ minimum: 0, maximum: FRAME_PLATES_MAX - 1 }),
    /** What the raw int32 means, for people reading the profile; scale does the work. */
    rawUnit: Type.Union([Type.Literal('centigram'), Type.Literal('count')], { default: 'centigram' }),
    /** Grams per raw unit (0.01 for centigrams, the calibration factor for ADC counts). */
    scale: Type.Number({ default: 0.01 }),
    /** Grams added after scaling; a negative tare lives here. */
    offsetG: Type.Number({ default: 0 }),
    /** Unit of the converted value; the contract carries grams only. */
    unit: Type.Literal('g', { default: 'g' }),
    /** Valid converted range; a plate can read a little negative at idle. */
    minG: Type.Number({ default: -10_000 }),
    maxG: Type.Number({ default: 100_000 }),
  },
  { additionalProperties: false },
);
export type PlateChannel = Static<typeof PlateChannel>;

export const DeviceProfile = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    model: Type.String({ maxLength: 120, default: 'tebura-shelf-v1' }),
    /** Nominal controller sample rate; sets the packet's sampleIntervalMs. */
    sampleRateHz: Type.Number({ minimum: 1, maximum: 200, default: 60 }),
    plates: Type.Array(PlateChannel, { minItems: 1, maxItems: PLATES_PER_MSG_MAX }),
  },
  { $id: 'DeviceProfile', additionalProperties: false },
);
export type DeviceProfile = Static<typeof DeviceProfile>;

/** Why a reading became null. */
export type DropReason = 'fault' | 'nan' | 'range' | 'missing';

/** Converts one raw value; a number of grams, or why it was rejected. */
export function convertReading(plate: PlateChannel, raw: number | undefined): number | DropReason {
  if (raw === undefined) return 'missing';
  if (raw === READING_FAULT) return 'fault';
  const grams = raw * plate.scale + plate.offsetG;
  if (!Number.isFinite(grams)) return 'nan';
  if (grams < plate.minG || grams > plate.maxG) return 'range';
  // Centigram resolution: keeps 0.01 * 12345 from printing as 123.45000000000002.
  return Math.round(grams * 100) / 100;
}

export type DropCounters = Record<DropReason, number>;

/** Converts a frame's readings into per-plate grams in profile order, counting drops. */
export function convertSample(profile: DeviceProfile, readings: readonly number[], drops: DropCounters): (number | null)[] {
  return profile.plates.map((plate) => {
    const r = convertReading(plate, readings[plate.channel]);
    if (typeof r === 'number') return r;
    drops[r]++;
    return null;
  });
}

/** Cross-field checks the schema cannot express; paths relative to `base`. */
export function profileProblems(profile: DeviceProfile, base: string): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  const ids = new Set<string>();
  const channels = new Set<number>();
  profile.plates.forEach((p, i) => {
    if (ids.has(p.plateId)) out.push({ path: `${base}/plates/${i}/plateId`, message: `duplicate plateId '${p.plateId}'` });
    if (channels.has(p.channel)) out.push({ path: `${base}/plates/${i}/channel`, message: `channel ${p.channel} is used twice` });
    if (p.minG >= p.maxG) out.push({ path: `${base}/plates/${i}/maxG`, message: `maxG ${p.maxG} must exceed minG ${p.minG}` });
    if (p.scale === 0 || !Number.isFinite(p.scale)) out.push({ path: `${base}/plates/${i}/scale`, message: 'scale must be finite and non-zero' });
    ids.add(p.plateId);
    channels.add(p.channel);
  });
  return out;
}
