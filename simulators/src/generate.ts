/**
 * The broker-free generator: runs a scenario to the end as fast as the CPU allows,
 * answering gate requests with a local decider. Used by runSimulation's tests,
 * recordings without a broker, and the throughput benchmark.
 */
import { writeFileSync } from 'node:fs';
import type { GateEntryRequest, StoreLayout } from '@tebura/contract';
import { RecordingWriter } from './record.js';
import { SimEngine, type DecisionLike, type FacePhoto, type OutMsg } from './engine.js';
import { population, type ShopperIdentity } from './population.js';
import type { Scenario } from './scenario.js';
import type { GroundTruth } from './truth.js';

export interface GenerateOptions {
  scenario: Scenario;
  store: StoreLayout;
  seed: number;
  /** Simulated start, epoch ms; defaults to the scenario's startAt. */
  startMs?: number;
  identities?: readonly ShopperIdentity[];
  facePhotos?: ReadonlyMap<string, FacePhoto>;
  appTokens?: ReadonlyMap<string, string>;
  /** Answers a gate request; undefined leaves it unanswered (a timeout). Default: open for everyone. */
  decide?: (req: GateEntryRequest) => Omit<DecisionLike, 'txId'> | undefined;
  onMessage(m: OutMsg): void;
}

export interface GenerateResult {
  messages: number;
  simDurationMs: number;
  truth: GroundTruth;
}

export const openEveryone = (req: GateEntryRequest): Omit<DecisionLike, 'txId'> => ({ decision: 'open', reason: 'OK', sessionId: `sess-${req.txId}` });

function engineFor(opts: Omit<GenerateOptions, 'onMessage'>, startMs: number, emit: (m: OutMsg) => void): SimEngine {
  const identities = opts.identities ?? population(opts.scenario, opts.store, opts.seed);
  const decide = opts.decide ?? openEveryone;
  const engine: SimEngine = new SimEngine({
    scenario: opts.scenario,
    store: opts.store,
    seed: opts.seed,
    startMs,
    identities,
    emit,
    appToken: (c) => opts.appTokens?.get(c) ?? `sim-app-token:${c}`,
    facePhoto: (c) => opts.facePhotos?.get(c),
    onEntryRequest: (req) => {
      const d = decide(req);
      if (d !== undefined) engine.deliverDecision({ ...d, txId: req.txId });
    },
  });
  return engine;
}

export function generateTraffic(opts: GenerateOptions): GenerateResult {
  const startMs = opts.startMs ?? Date.parse(opts.scenario.startAt);
  let messages = 0;
  const engine = engineFor(opts, startMs, (m) => {
    messages++;
    opts.onMessage(m);
  });
  while (engine.step()) {
    // The engine does all the work; the loop only drives it.
  }
  const truth = engine.finish();
  return { messages, simDurationMs: truth.endMs - truth.startMs, truth };
}

/**
 * Generates a whole run into a recording file (no broker) and optionally its truth,
 * writing after every engine step with the file stream's backpressure.
 */
export async function generateToFile(opts: Omit<GenerateOptions, 'onMessage'> & { recordPath: string; truthPath?: string }): Promise<GenerateResult> {
  const startMs = opts.startMs ?? Date.parse(opts.scenario.startAt);
  const writer = new RecordingWriter(opts.recordPath, { storeId: opts.store.id, source: 'sim', startMs, scenario: opts.scenario.name, seed: opts.seed });
  const pending: OutMsg[] = [];
  let messages = 0;
  const engine = engineFor(opts, startMs, (m) => pending.push(m));
  const drain = async (): Promise<void> => {
    for (const m of pending.splice(0)) {
      messages++;
      const wait = writer.write(m);
      if (wait !== null) await wait;
    }
  };
  try {
    while (engine.step()) await drain();
    const truth = engine.finish();
    await drain();
    if (opts.truthPath !== undefined) writeFileSync(opts.truthPath, `${JSON.stringify(truth, null, 1)}\n`);
    return { messages, simDurationMs: truth.endMs - truth.startMs, truth };
  } finally {
    await writer.close();
  }
}
