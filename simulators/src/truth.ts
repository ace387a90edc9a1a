/**
 * Ground truth of one run. Written to its own file, never published on MQTT:
 * the edge must infer all of this from raw signals.
 */
import { readFileSync } from 'node:fs';
import type { EntryMethod } from '@tebura/contract';

export interface BasketLine {
  sku: string;
  quantity: number;
}

export interface TruthSession {
  customerId: string;
  method: EntryMethod;
  entryGateId: string;
  exitGateId: string;
  guests: number;
  personIds: string[];
  /** Behaviour tags, e.g. group, handoff-giver, same-shelf, leave-without-buying. */
  tags: string[];
  arrivalTs: number;
  entryRequestTs: number | null;
  txId: string | null;
  /** timeout: no decision within the modelled gate round trip (and the wall-clock bound). */
  decision: 'open' | 'deny' | 'timeout' | 'pending';
  reason: string | null;
  /** The edge's session id from gate/decision; null if never admitted. */
  sessionId: string | null;
  /** Payer's gate/crossing in. */
  entryTs: number | null;
  /** Last member's gate/crossing out; null if still inside when the run ended. */
  exitTs: number | null;
  /** What the session really leaves with (all members), sorted by sku. */
  basket: BasketLine[];
}

export interface TruthEvent {
  /** When the plate weight changed (hand left the shelf). */
  ts: number;
  kind: 'pick' | 'put' | 'handoff';
  personId: string;
  customerId: string;
  sku: string;
  quantity: number;
  itemIds: string[];
  /** Per-plate true weight change, grams (negative: taken). Empty for a hand-off. */
  plates: { plateId: string; deltaG: number }[];
  /** Put-backs: true when the unit went onto a plate of another facing. */
  wrongPlace?: boolean;
  /** Hand-offs: the receiving shopper and their payer. */
  toPersonId?: string;
  toCustomerId?: string;
}

export interface GroundTruth {
  version: 1;
  scenario: string;
  seed: number;
  storeId: string;
  startMs: number;
  endMs: number;
  sessions: TruthSession[];
  events: TruthEvent[];
}

export function basketOf(skus: readonly string[]): BasketLine[] {
  const counts = new Map<string, number>();
  for (const s of skus) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

/** Reads a truth file written by a run or a converter; throws on another format or version. */
export function loadTruth(path: string): GroundTruth {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Partial<GroundTruth>;
  if (doc.version !== 1 || !Array.isArray(doc.sessions) || !Array.isArray(doc.events)) throw new Error(`${path}: not a Tebura ground-truth file (version 1)`);
  return doc as GroundTruth;
}
