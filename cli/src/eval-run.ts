/**
 * One scenario through the real MQTT path: broker, cloud, edge and simulator on
 * this machine; waits until every admitted session is closed (bounded), then
 * scores the charged receipts against the run's ground truth. The edge never sees
 * the truth: it is read here, after the run, by the scorer only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchGenerator, loadScenario, loadStore, population, runSimulation, scoreRun,
  type EvalScores, type ScoredReceipt, type SimProgress,
} from '@tebura/sim';
import type { ReviewItemView } from '@tebura/edge';
import { startStack } from './stack.js';
import { until } from './wait.js';

export interface EvalOptions {
  scenarioPath: string;
  seed?: number;
  speed: number | 'max';
  brokerUrl?: string;
  facesDir?: string;
  /** After the simulation ends, wait at most this long for sessions to close and upload. */
  closeWaitMs: number;
  onProgress?: (p: SimProgress) => void;
  signal?: AbortSignal;
  /** Also measure the bare generator's throughput (no broker) for this scenario. */
  benchGenerator?: boolean;
}

/** Sessions a review item touched: its own session, else its candidate shoppers. */
function reviewedSessions(items: readonly ReviewItemView[]): Set<string> {
  const out = new Set<string>();
  for (const r of items) {
    if (r.sessionId !== null) out.add(r.sessionId);
    else for (const c of r.candidate.shopperCandidates) out.add(c.sessionId);
  }
  return out;
}

const round = (x: number, digits = 4): number => Math.round(x * 10 ** digits) / 10 ** digits;

export async function evalScenario(o: EvalOptions): Promise<EvalScores> {
  const scenario = loadScenario(o.scenarioPath);
  const store = loadStore(scenario.store);
  const seed = o.seed ?? scenario.seed;
  const dataDir = mkdtempSync(join(tmpdir(), `tebura-eval-${scenario.name}-`));
  const facesDir = o.facesDir ?? scenario.facesDir;
  const stack = await startStack({
    store, dataDir, consoleEnabled: false, logLevel: 'silent', face: scenario.entry.face > 0 && facesDir !== undefined,
    ...(o.brokerUrl !== undefined ? { brokerUrl: o.brokerUrl } : {}),
  });
  try {
    const identities = population(scenario, store, seed, facesDir === undefined ? {} : { facesDir });
    await stack.enrol(identities);
    const rssStartMb = process.memoryUsage().rss / 2 ** 20;
    const run = await runSimulation({
      scenario, store, seed, mqttUrl: stack.mqttUrl, speed: o.speed, identities,
      hooks: { issueAppToken: (c, s) => stack.cloudClient.issueEntryToken(c, s) },
      log: () => undefined,
      ...(facesDir !== undefined ? { facesDir } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    await until(() => {
      const s = stack.edge.stats();
      return s.sessionsOpen === 0 && s.outboxPending === 0;
    }, o.closeWaitMs);
    const reviewed = reviewedSessions(stack.edge.source.reviews('all'));
    const receipts: ScoredReceipt[] = stack.edge.receipts().map((r) => ({
      customerId: r.customerId, sessionId: r.sessionId, closed: true, reviewed: reviewed.has(r.sessionId),
      lines: r.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
    }));
    const e = stack.edge.stats();
    const gen = o.benchGenerator === true ? benchGenerator(o.scenarioPath) : null;
    return scoreRun(run.truth, receipts, {
      // From the weight settling (perception/settle-clock.ts). In wall time: at --speed N
      // the stability window passes N times faster, so only --speed 1 is the store's number.
      event_to_cart_ms_p50: e.eventToCartMs.count > 0 ? e.eventToCartMs.p50 : null,
      event_to_cart_ms_p99: e.eventToCartMs.count > 0 ? e.eventToCartMs.p99 : null,
      emit_to_cart_ms_p99: e.emitToCartMs.count > 0 ? e.emitToCartMs.p99 : null,
      speed: o.speed,
      exit_to_charge_ms_p99: e.exitToChargeMs.count > 0 ? e.exitToChargeMs.p99 : null,
      msgs_per_s: round(run.msgsPerS, 1),
      // The simulator alone, no broker, one core: it must never be the bottleneck.
      sim_generate_msgs_per_s: gen === null ? null : Math.round(gen.msgsPerS),
      sim_generate_msgs_per_cpu_s: gen === null ? null : Math.round(gen.msgsPerCpuS),
      messages: run.messages,
      edge_rejected: e.rejected,
      review_items: e.reviewItems,
      wall_s: round(run.wallMs / 1000, 1),
      sim_duration_s: round(run.simDurationMs / 1000, 1),
      // Broker, cloud, edge and simulator share this process: RSS before and after the run.
      rss_mb_start: Math.round(rssStartMb),
      rss_mb_end: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
