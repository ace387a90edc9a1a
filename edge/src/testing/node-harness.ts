/** Carts + Sessions over an in-memory SQLite and the fake perception, without MQTT. */
import { pino } from 'pino';
import { ManualClock } from '@tebura/contract';
import type { LiveEvent } from '../console/source.js';
import { EdgeMetrics } from '../metrics.js';
import { Carts } from '../node/carts.js';
import type { NodeDeps } from '../node/deps.js';
import { Sessions } from '../node/sessions.js';
import { openDb } from '../store/db.js';
import { Repo } from '../store/repo.js';
import { FakePerception } from './fake-perception.js';
import { testLayout } from './layout.js';

export function nodeHarness(dbPath = ':memory:', storeId = 'st1') {
  const clock = new ManualClock(1_700_000_000_000);
  const repo = new Repo(openDb(dbPath));
  const events: LiveEvent[] = [];
  let queued = 0;
  const d: NodeDeps = {
    storeId, layout: testLayout(), repo, clock, metrics: new EdgeMetrics(100), log: pino({ level: 'silent' }),
    emit: (e) => events.push(e), queued: () => queued++,
  };
  const carts = new Carts(d);
  const sessions = new Sessions(d, carts, 50);
  const perception = new FakePerception(d.layout, clock, carts);
  sessions.attach(perception);
  const admit = (tx: string, customerId = 'cust-1') =>
    sessions.admit({ txKey: `gate-in:${tx}`, gateId: 'gate-in', customerId, method: 'app', guests: 0, ts: clock.now() }).session_id;
  const delta = (eventId: string, sessionId: string, sku: string, quantityDelta: number) =>
    carts.cartDelta({ eventId, sessionId, sku, quantityDelta, confidence: 0.9, settledAt: clock.now(), emittedAt: clock.now() });
  return { clock, repo, events, carts, sessions, perception, admit, delta, d, queuedCount: () => queued };
}
