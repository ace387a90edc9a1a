import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { benchParser } from './bench.js';
import { DeviceProfile } from './profile.js';

describe('serial-side throughput', () => {
  it('parses and converts far faster than a whole store sends (64 shelves x 60 Hz)', async () => {
    const profile = Value.Default(DeviceProfile, { name: 'b', plates: Array.from({ length: 12 }, (_, i) => ({ plateId: `p${i}`, channel: i })) }) as DeviceProfile;
    const r = await benchParser(50_000, profile);
    // Floor with a 10x margin over one store's load, so a busy shared CI box does not flake.
    expect(r.framesPerS).toBeGreaterThan(64 * 60 * 10);
  });
});
