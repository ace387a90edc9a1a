/**
 * The throughput benchmark's paced mode runs (its publisher is a worker thread, plain
 * JavaScript): a small load, everything received by both subscribers. It asserts no
 * speed; `npx tebura bench edge --rate R` prints the numbers.
 */
import { describe, expect, it } from 'vitest';
import { benchNode } from './bench-node.js';

const BROKER = process.env['TEBURA_TEST_MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';

describe('bench edge --rate', () => {
  it('paces the publisher on its own thread and counts what both subscribers got', async () => {
    const r = await benchNode(BROKER, 2000, 4000);
    expect(r).toMatchObject({ messages: 2000, edgeReceived: 2000, rawReceived: 2000, rate: 4000 });
    // 2000 messages at 4000/s take about half a second; the publisher cannot have been unpaced.
    expect(r.publishedMsgsPerS).toBeLessThan(6000);
    expect(r.edgeMsgsPerS).toBeGreaterThan(0);
  }, 60_000);
});
