import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { convertReading, convertSample, DeviceProfile, profileProblems, type DropCounters, type PlateChannel } from './profile.js';
import { READING_FAULT } from './frame.js';

function plate(p: Partial<PlateChannel> = {}): PlateChannel {
  return Value.Default(DeviceProfile.properties.plates.items, { plateId: 'p1', channel: 0, ...p }) as PlateChannel;
}

describe('device profile conversion', () => {
  it('turns centigrams into grams at centigram resolution', () => {
    expect(convertReading(plate(), 12345)).toBe(123.45);
    expect(convertReading(plate(), -553400)).toBe(-5534);
  });

  it('applies scale and tare offset for raw ADC counts', () => {
    const p = plate({ rawUnit: 'count', scale: 0.0021, offsetG: -812.5 });
    expect(convertReading(p, 500_000)).toBe(237.5);
  });

  it('rejects NaN, infinities and the fault marker where raw values are converted', () => {
    expect(convertReading(plate(), Number.NaN)).toBe('nan');
    expect(convertReading(plate({ scale: 1e308 }), 1e10)).toBe('nan');
    expect(convertReading(plate(), READING_FAULT)).toBe('fault');
    expect(convertReading(plate(), undefined)).toBe('missing');
  });

  it('rejects readings outside the valid range, bounds included as valid', () => {
    const p = plate({ minG: -50, maxG: 5000 });
    expect(convertReading(p, 500_001)).toBe('range');
    expect(convertReading(p, -5001)).toBe('range');
    expect(convertReading(p, 500_000)).toBe(5000);
    expect(convertReading(p, -5000)).toBe(-50);
  });

  it('reports rejected readings as null in profile order and counts each reason', () => {
    const profile = Value.Default(DeviceProfile, {
      name: 'shelf',
      plates: [{ plateId: 'b', channel: 2 }, { plateId: 'a', channel: 0, maxG: 10 }, { plateId: 'c', channel: 5 }],
    }) as DeviceProfile;
    const drops: DropCounters = { fault: 0, nan: 0, range: 0, missing: 0 };
    expect(convertSample(profile, [2000, 1, READING_FAULT], drops)).toEqual([null, null, null]);
    expect(drops).toEqual({ fault: 1, nan: 0, range: 1, missing: 1 });
    expect(convertSample(profile, [500, 1, 250], drops)).toEqual([2.5, 5, null]);
  });

  it('finds duplicate ids and channels and an empty range, with paths', () => {
    const profile = Value.Default(DeviceProfile, {
      name: 'shelf',
      plates: [{ plateId: 'a', channel: 0 }, { plateId: 'a', channel: 0, minG: 5, maxG: 5 }],
    }) as DeviceProfile;
    expect(profileProblems(profile, '/profile').map((d) => d.path)).toEqual([
      '/profile/plates/1/plateId', '/profile/plates/1/channel', '/profile/plates/1/maxG',
    ]);
  });
});
