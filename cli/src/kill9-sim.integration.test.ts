/**
 * kill -9 with the real perception (see kill9-drill.ts for the store, the kill
 * moments and why everything goes QoS 1): three simulated shoppers through
 * Mosquitto, the edge child killed mid-event, just after an exit and just after a
 * crossing-in, restarted on the same SQLite file each time. Receipts and review
 * items equal an uninterrupted run of the same seed, which equals the truth.
 */
import { describe, expect, it } from 'vitest';
import { kill9Drill } from './kill9-drill.js';

describe('kill -9 and restart with the real perception', () => {
  it('gives the receipts and review items of an uninterrupted run of the same seed', { timeout: 180_000 }, async () => {
    const r = await kill9Drill();
    expect(r.problems).toEqual([]);
    // Each restart had state to bring back: someone was inside at every kill.
    expect(r.killed.openAtKill).toHaveLength(3);
  });
});
