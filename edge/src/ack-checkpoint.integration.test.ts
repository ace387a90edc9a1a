/**
 * A QoS 1 message is acknowledged to the broker only once what it did is in the
 * checkpoint: the broker never sends an acknowledged message again, so state that
 * lived only in memory until the next periodic checkpoint was lost to a kill -9.
 * (CI's kill -9 drill: killed again while working through the backlog of a restart,
 * the edge had taken a pick's readings, acknowledged them, and kept none of them.)
 * QoS 0 readings are not waited on: nothing would send them again anyway.
 *
 * Through Mosquitto on 127.0.0.1:1883, with the node's fake perception; the periodic
 * checkpoint is set to ten minutes so that only the acknowledgement can save one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { topicFor } from '@tebura/contract';
import { startEdge } from './index.js';
import { fakePerceptionFactory } from './testing/fake-perception.js';
import { testLayout } from './testing/layout.js';
import { testIssuer } from './testing/tokens.js';
import { waitFor } from './testing/wait.js';
import { TestDevices } from './testing/wire.js';

const BROKER = process.env['TEBURA_TEST_MQTT_URL'] ?? 'mqtt://127.0.0.1:1883';

/** The next seq the checkpoint expects from `deviceId`, or null without one. */
function checkpointed(dbPath: string, deviceId: string): number | null {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT data FROM perception_snapshot WHERE id = 1').get() as { data: string } | undefined;
    const seqs = row === undefined ? [] : ((JSON.parse(row.data) as { seqs?: { deviceId: string; nextSeq: number }[] }).seqs ?? []);
    return seqs.find((s) => s.deviceId === deviceId)?.nextSeq ?? null;
  } finally {
    db.close();
  }
}

describe('acknowledging QoS 1 messages', () => {
  it('checkpoints a QoS 1 reading before its acknowledgement, and does not wait for QoS 0 ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tebura-ack-'));
    const dbPath = join(dir, 'edge.db');
    const storeId = `ack-${Math.random().toString(36).slice(2, 10)}`;
    const issuer = await testIssuer();
    const node = await startEdge(
      { storeId, mqttUrl: BROKER, dbPath, layout: testLayout(), entryKeys: issuer.jwks, console: { enabled: false }, bounds: { snapshotIntervalMs: 600_000 } },
      { perceptionFactory: fakePerceptionFactory, logger: pino({ level: 'silent' }) },
    );
    const pub = await mqtt.connectAsync(BROKER, { clientId: `ack-pub-${storeId}`, protocolVersion: 4 });
    try {
      const dev = new TestDevices();
      const t0 = Date.now();
      const send = (qos: 0 | 1, ts: number, grams: number) =>
        pub.publishAsync(topicFor(storeId, 'loadcell/weight', 'lc-1'), JSON.stringify(dev.weight('lc-1', ts, { p1: grams, p2: 5300 })), { qos });
      const accepted = (): number => node.stats().messages;
      for (let i = 0; i < 3; i++) await send(1, t0 + i * 100, 2200);
      // seqs 0..2 taken and acknowledged: the checkpoint expects seq 3 next.
      await waitFor(() => (checkpointed(dbPath, 'lc-1') === 3 ? true : undefined), 5000, 'a checkpoint at seq 3');
      const before = accepted();
      await send(0, t0 + 300, 2200);
      await waitFor(() => (accepted() > before ? true : undefined), 5000, 'the QoS 0 reading taken');
      expect(checkpointed(dbPath, 'lc-1')).toBe(3);
      await send(1, t0 + 400, 2200);
      await waitFor(() => (checkpointed(dbPath, 'lc-1') === 5 ? true : undefined), 5000, 'a checkpoint at seq 5');
    } finally {
      await pub.endAsync();
      await node.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
