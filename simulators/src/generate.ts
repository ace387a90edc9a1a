/**
 * The broker-free generator: runs a scenario to the end as fast as the CPU allows,
 * answering gate requests with a local decider. Used by runSimulation's tests,
 * recordings without a broker, and the throughput benchmark.
 */
import type { GateEntryRequest, StoreLayout } from '@tebura/contract';
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

export function generateTraffic(opts: GenerateOptions): GenerateResult {
  const startMs = opts.startMs ?? Date.parse(opts.scenario.startAt);
  const identities = opts.identities ?? population(opts.scenario, opts.store, opts.seed);
  const decide = opts.decide ?? openEveryone;
  let messages = 0;
  const engine: SimEngine = new SimEngine({
    scenario: opts.scenario,
    store: opts.store,
    seed: opts.seed,
    startMs,
    identities,
    emit: (m) => {
      messages++;
      opts.onMessage(m);
    },
    appToken: (c) => opts.appTokens?.get(c) ?? `sim-app-token:${c}`,
    facePhoto: (c) => opts.facePhotos?.get(c),
    onEntryRequest: (req) => {
      const d = decide(req);
      if (d !== undefined) engine.deliverDecision({ ...d, txId: req.txId });
    },
  });
  while (engine.step()) {
    // The engine does all the work; the loop only drives it.
  }
  const truth = engine.finish();
  return { messages, simDurationMs: truth.endMs - truth.startMs, truth };
}
