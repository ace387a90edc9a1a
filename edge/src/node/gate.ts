/**
 * Gate entry: resolve the credential with the matcher of its kind, open a session
 * or deny with a stable reason, and always answer on gate/decision with the
 * request's txId (status 'error' when we failed, never silence).
 *
 * Rules, in order: at most `guestsMax` companions per payer (TOO_MANY_GUESTS,
 * before any model runs); the method must be offered at this gate; the credential
 * must match; the customer must be in good standing (UNPAID_BALANCE,
 * OPEN_DISPUTE). Companions enter on the payer's session: perception binds
 * 1 + guests tracks to it, so whatever they pick is on the payer's receipt.
 */
import { EnvelopeSequencer, topicFor, publishTyped, type Clock, type GateDecision, type GateEntryRequest, type Publisher } from '@tebura/contract';
import type { Logger } from 'pino';
import type { CredentialMatcher, DenyReason } from '../identity/api.js';
import type { EdgeMetrics } from '../metrics.js';
import type { LiveEvent } from '../console/source.js';
import type { StoreLayout } from '@tebura/contract';
import type { StandingLookup } from '../sync/standing-sync.js';
import type { Sessions } from './sessions.js';

export interface GateDeps {
  storeId: string;
  layout: StoreLayout;
  clock: Clock;
  metrics: EdgeMetrics;
  log: Logger;
  sessions: Sessions;
  matchers: ReadonlyMap<string, CredentialMatcher>;
  /** Companions per payer (config identity.guestsMax, itself <= the contract's GUESTS_MAX). */
  guestsMax: number;
  /** Customer standing from the cloud; absent means everyone is in good standing (no cloud). */
  standing?: StandingLookup;
  envelopes: EnvelopeSequencer;
  publisher(): Publisher | null;
  emit(e: LiveEvent): void;
}

type Answer = Pick<GateDecision, 'status' | 'decision' | 'reason' | 'sessionId' | 'customerId' | 'error'>;

export class GateHandler {
  constructor(private readonly d: GateDeps) {}

  /** Never rejects: every path publishes an answer. */
  async entry(req: GateEntryRequest): Promise<GateDecision> {
    let answer: Answer;
    try {
      answer = await this.decide(req);
    } catch (e) {
      this.d.metrics.handlerError('gate_entry');
      this.d.log.error({ err: e, txId: req.txId, gateId: req.deviceId }, 'gate entry failed');
      answer = { status: 'error', decision: 'deny', reason: 'INTERNAL_ERROR', error: { code: 'E_INTERNAL', message: 'internal error' } };
    }
    const decision = this.answer(req, answer);
    this.d.metrics.gate(decision.decision, decision.reason);
    this.d.emit({ type: 'gate', gateId: req.deviceId, decision: decision.decision, reason: decision.reason, ts: decision.ts });
    return decision;
  }

  /** Too many requests in flight: answer at once, the gate may retry. */
  busy(req: GateEntryRequest): GateDecision {
    this.d.metrics.gate('deny', 'BUSY');
    return this.answer(req, { status: 'error', decision: 'deny', reason: 'INTERNAL_ERROR', error: { code: 'E_UNAVAILABLE', message: 'edge busy, retry' } });
  }

  private deny(reason: DenyReason): Answer {
    return { status: 'ok', decision: 'deny', reason };
  }

  private async decide(req: GateEntryRequest): Promise<Answer> {
    // bootId too: a rebooted gate may reuse its txIds for new shoppers.
    const txKey = `${req.deviceId}:${req.bootId}:${req.txId}`;
    // A gate that retries (lost answer, edge restart) gets the same answer again.
    const prior = this.d.sessions.byTxKey(txKey);
    if (prior !== undefined) return { status: 'ok', decision: 'open', reason: 'OK', sessionId: prior.session_id, customerId: prior.customer_id };
    if (req.guests > this.d.guestsMax) return this.deny('TOO_MANY_GUESTS');
    const kind = req.credential.kind;
    const gate = this.d.layout.gates.find((g) => g.id === req.deviceId);
    if (gate !== undefined && !gate.methods.includes(kind)) return this.deny('METHOD_NOT_SUPPORTED');
    const matcher = this.d.matchers.get(kind);
    if (matcher === undefined) return this.deny('METHOD_NOT_SUPPORTED');
    const r = await matcher.identify(req.credential, req.ts);
    // A concurrent retry of this same request may have opened it while we waited.
    const again = this.d.sessions.byTxKey(txKey);
    if (again !== undefined) return { status: 'ok', decision: 'open', reason: 'OK', sessionId: again.session_id, customerId: again.customer_id };
    if (!r.ok) {
      if (r.reason === 'INTERNAL_ERROR') {
        return { status: 'error', decision: 'deny', reason: r.reason, error: { code: 'E_INTERNAL', message: 'identity check failed' } };
      }
      return this.deny(r.reason);
    }
    const standing = this.d.standing?.of(r.customerId);
    if (standing !== undefined) {
      this.d.log.info({ gateId: req.deviceId, txId: req.txId, customerId: r.customerId, reason: standing }, 'entry refused: customer standing');
      return { status: 'ok', decision: 'deny', reason: standing, customerId: r.customerId };
    }
    const s = this.d.sessions.admit({ txKey, gateId: req.deviceId, customerId: r.customerId, method: kind, guests: req.guests, ts: req.ts });
    return { status: 'ok', decision: 'open', reason: 'OK', sessionId: s.session_id, customerId: s.customer_id };
  }

  private answer(req: GateEntryRequest, a: Answer): GateDecision {
    const msg: GateDecision = { ...this.d.envelopes.next(this.d.clock.now()), gateId: req.deviceId, txId: req.txId, guests: req.guests, ...a };
    for (const k of ['sessionId', 'customerId', 'error'] as const) if (msg[k] === undefined) delete msg[k];
    const client = this.d.publisher();
    if (client === null) return msg;
    publishTyped(client, topicFor(this.d.storeId, 'gate/decision', req.deviceId), msg, (err) => {
      if (err !== undefined && err !== null) this.d.log.warn({ err, txId: req.txId }, 'gate decision publish failed');
    });
    return msg;
  }
}
