import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock, topicFor, type LoadCellWeight } from '@tebura/contract';
import { Ingest } from './ingest.js';
import { EdgeMetrics } from '../metrics.js';
import { TestDevices } from '../testing/wire.js';

function setup() {
  const clock = new ManualClock(1_000_000);
  const metrics = new EdgeMetrics(100);
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (s: string) => lines.push(s) });
  const got: LoadCellWeight[] = [];
  const ingest = new Ingest('st1', { reorderWindowMs: 100, reorderBufferMax: 8, devicesMax: 10, rejectLogKeysMax: 10 }, clock, metrics, log, {
    weight: (m) => got.push(m),
    detections: () => undefined,
    hints: () => undefined,
    entry: () => undefined,
    crossing: () => {
      throw new Error('handler bug');
    },
  });
  return { clock, metrics, lines, got, ingest, dev: new TestDevices() };
}

const wTopic = topicFor('st1', 'loadcell/weight', 'lc-1');

describe('Ingest', () => {
  it('rejects bad messages by code, logs once per (code, device), never throws', () => {
    const { ingest, metrics, lines, got } = setup();
    ingest.onMessage(wTopic, '{not json');
    ingest.onMessage(wTopic, '{not json either');
    ingest.onMessage(wTopic, JSON.stringify({ v: 1 }));
    ingest.onMessage('tebura/v1/st1/bogus/x/y', '{}');
    expect(metrics.counts.rejected).toBe(4);
    expect(got).toHaveLength(0);
    const codes = lines.map((l) => (JSON.parse(l) as { code: string }).code);
    expect(codes).toEqual(['E_JSON', 'E_SCHEMA', 'E_TOPIC_UNKNOWN']);
  });

  it('rejects a payload whose deviceId differs from the topic and another store', () => {
    const { ingest, metrics, dev } = setup();
    ingest.onMessage(topicFor('st1', 'loadcell/weight', 'lc-2'), JSON.stringify(dev.weight('lc-1', 1, { p1: 1 })));
    ingest.onMessage(topicFor('st2', 'loadcell/weight', 'lc-1'), JSON.stringify(dev.weight('lc-1', 1, { p1: 1 })));
    expect(metrics.counts.rejected).toBe(2);
  });

  it('dedups, reorders and counts a gap and a restart in device health', () => {
    const { ingest, got, clock, metrics, dev } = setup();
    const msgs = [0, 1, 2, 3, 4].map((i) => dev.weight('lc-1', 1000 + i, { p1: 100 + i }));
    const send = (m: LoadCellWeight) => ingest.onMessage(wTopic, JSON.stringify(m));
    send(msgs[0]!);
    send(msgs[2]!);
    send(msgs[1]!);
    send(msgs[1]!);
    expect(got.map((m) => m.seq)).toEqual([0, 1, 2]);
    expect(metrics.counts.duplicates).toBe(1);
    send(msgs[4]!); // 3 is lost
    clock.advance(150);
    ingest.tick();
    expect(got.map((m) => m.seq)).toEqual([0, 1, 2, 4]);
    const restarted = new TestDevices('b2').weight('lc-1', 2000, { p1: 1 });
    send(restarted);
    const h = ingest.health.views().find((v) => v.deviceId === 'lc-1');
    expect(h).toMatchObject({ kind: 'loadcell', state: 'online', gaps: 1, restarts: 1, lastSeen: clock.now() });
  });

  it('tracks retained device/state online and offline', () => {
    const { ingest } = setup();
    const st = (state: 'online' | 'offline') => JSON.stringify({ v: 1, deviceId: 'cam-1', bootId: 'x', kind: 'camera', state, ts: 5 });
    ingest.onMessage(topicFor('st1', 'device/state', 'cam-1'), st('online'));
    expect(ingest.health.views()[0]).toMatchObject({ deviceId: 'cam-1', state: 'online' });
    ingest.onMessage(topicFor('st1', 'device/state', 'cam-1'), st('offline'));
    expect(ingest.health.views()[0]).toMatchObject({ state: 'offline' });
  });

  it('a throwing handler is counted and does not stop later messages', () => {
    const { ingest, metrics, got, dev } = setup();
    ingest.onMessage(topicFor('st1', 'gate/crossing', 'gate-out'), JSON.stringify(dev.crossing('gate-out', 1, 'out')));
    expect(metrics.counts.handlerErrors).toBe(1);
    ingest.onMessage(wTopic, JSON.stringify(dev.weight('lc-1', 1, { p1: 1 })));
    expect(got).toHaveLength(1);
  });
});
