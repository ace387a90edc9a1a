import { describe, expect, it, vi } from 'vitest';
import { EnvelopeSequencer, type Credential, type GateDecision, type GateEntryRequest, type Publisher } from '@tebura/contract';
import type { CredentialMatcher, IdentityResult } from '../identity/api.js';
import { nodeHarness } from '../testing/node-harness.js';
import { TestDevices } from '../testing/wire.js';
import type { StandingLookup, StandingReason } from '../sync/standing-sync.js';
import { GateHandler } from './gate.js';

function setup(matchers: CredentialMatcher[], extra: { guestsMax?: number; standing?: StandingLookup } = {}) {
  const h = nodeHarness();
  const published: { topic: string; msg: GateDecision }[] = [];
  const pub: Publisher = { publish: (topic, message) => published.push({ topic, msg: JSON.parse(String(message)) as GateDecision }) };
  const gate = new GateHandler({
    storeId: 'st1', layout: h.d.layout, clock: h.clock, metrics: h.d.metrics, log: h.d.log, sessions: h.sessions,
    matchers: new Map(matchers.map((m) => [m.kind, m])), guestsMax: extra.guestsMax ?? 4, ...(extra.standing ? { standing: extra.standing } : {}), envelopes: new EnvelopeSequencer('edge-st1', 'b1'), publisher: () => pub, emit: h.d.emit,
  });
  return { h, gate, published };
}

const matcher = (kind: Credential['kind'], fn: () => Promise<IdentityResult>): CredentialMatcher => ({ kind, identify: fn });
const palm: Credential = { kind: 'palm', format: 'vendor-x', template: [1, 0, 0, 0, 0, 0, 0, 0], quality: 0.9 };
const face: Credential = { kind: 'face', mime: 'image/jpeg', imageB64: 'AAAA' };

function req(dev: TestDevices, txId: string, credential: Credential, gateId = 'gate-in', guests = 1): GateEntryRequest {
  return { ...dev.env(gateId, 1000), txId, credential, guests };
}

describe('GateHandler', () => {
  it('opens with an injected matcher, creates the session and answers on the gate topic', async () => {
    const { h, gate, published } = setup([matcher('palm', async () => ({ ok: true, customerId: 'c-palm', score: 0.97 }))]);
    const d = await gate.entry(req(new TestDevices(), 'tx1', palm));
    expect(d).toMatchObject({ status: 'ok', decision: 'open', reason: 'OK', customerId: 'c-palm', txId: 'tx1', guests: 1, gateId: 'gate-in', deviceId: 'edge-st1' });
    expect(published[0]!.topic).toBe('tebura/v1/st1/gate/gate-in/decision');
    expect(h.repo.session(d.sessionId!)).toMatchObject({ customer_id: 'c-palm', entry_method: 'palm', guests: 1, status: 'open' });
  });

  it('a retried request gets the same session, without asking the matcher again', async () => {
    let calls = 0;
    const { gate } = setup([matcher('palm', async () => ({ ok: true, customerId: `c${++calls}`, score: 1 }))]);
    const dev = new TestDevices();
    const a = await gate.entry(req(dev, 'tx1', palm));
    const b = await gate.entry(req(dev, 'tx1', palm));
    expect(b.sessionId).toBe(a.sessionId);
    expect(calls).toBe(1);
    // Same txId after a gate reboot is a new request.
    const c = await gate.entry(req(new TestDevices('b2'), 'tx1', palm));
    expect(c.sessionId).not.toBe(a.sessionId);
  });

  it('denies with the matcher reason, METHOD_NOT_SUPPORTED without a matcher or at a gate without the method', async () => {
    const { gate, h } = setup([matcher('face', async () => ({ ok: false, reason: 'UNKNOWN_PERSON' }))]);
    const dev = new TestDevices();
    expect(await gate.entry(req(dev, 'tx1', face))).toMatchObject({ status: 'ok', decision: 'deny', reason: 'UNKNOWN_PERSON' });
    expect(await gate.entry(req(dev, 'tx2', palm))).toMatchObject({ decision: 'deny', reason: 'METHOD_NOT_SUPPORTED' });
    expect(await gate.entry(req(dev, 'tx3', face, 'gate-out'))).toMatchObject({ decision: 'deny', reason: 'METHOD_NOT_SUPPORTED' });
    expect(h.repo.countSessions('open')).toBe(0);
  });

  it('a throwing matcher or a matcher error still answers, with status error', async () => {
    const { gate, published } = setup([
      matcher('face', () => Promise.reject(new Error('boom'))),
      matcher('palm', async () => ({ ok: false, reason: 'INTERNAL_ERROR', detail: 'model missing' })),
    ]);
    const dev = new TestDevices();
    const a = await gate.entry(req(dev, 'tx1', face));
    expect(a).toMatchObject({ status: 'error', decision: 'deny', reason: 'INTERNAL_ERROR', error: { code: 'E_INTERNAL' } });
    expect(a.error!.message).not.toContain('boom');
    expect(await gate.entry(req(dev, 'tx2', palm))).toMatchObject({ status: 'error', decision: 'deny' });
    expect(published).toHaveLength(2);
    expect(gate.busy(req(dev, 'tx3', palm))).toMatchObject({ status: 'error', error: { code: 'E_UNAVAILABLE' } });
  });

  it('admits up to guestsMax companions on the payer session and refuses more before any model runs', async () => {
    let calls = 0;
    const { h, gate } = setup([matcher('palm', async () => ({ ok: true, customerId: `c${++calls}`, score: 1 }))], { guestsMax: 2 });
    // Sessions calls the Perception interface's admit(sessionId, gateId, people, ts).
    const admit = vi.spyOn(h.perception, 'admit');
    const dev = new TestDevices();
    const ok = await gate.entry(req(dev, 'tx1', palm, 'gate-in', 2));
    expect(ok).toMatchObject({ decision: 'open', guests: 2 });
    // One session for the group: the payer plus two companions bound to it, one receipt.
    expect(h.repo.session(ok.sessionId!)).toMatchObject({ customer_id: 'c1', guests: 2 });
    expect(admit.mock.calls.map((c) => (c as unknown[])[2])).toEqual([3]);
    const tooMany = await gate.entry(req(dev, 'tx2', palm, 'gate-in', 3));
    expect(tooMany).toMatchObject({ status: 'ok', decision: 'deny', reason: 'TOO_MANY_GUESTS', guests: 3 });
    expect(calls).toBe(1);
    expect(h.repo.countSessions('open')).toBe(1);
  });

  it('turns away a customer with an unpaid balance or an open dispute, with the reason and who it was', async () => {
    const flags: Record<string, StandingReason> = { 'c-owes': 'UNPAID_BALANCE', 'c-disputes': 'OPEN_DISPUTE' };
    const standing: StandingLookup = { of: (id) => flags[id] };
    let next = 'c-owes';
    const { h, gate, published } = setup([matcher('palm', async () => ({ ok: true, customerId: next, score: 0.9 }))], { standing });
    const dev = new TestDevices();
    expect(await gate.entry(req(dev, 'tx1', palm))).toMatchObject({ status: 'ok', decision: 'deny', reason: 'UNPAID_BALANCE', customerId: 'c-owes' });
    next = 'c-disputes';
    expect(await gate.entry(req(dev, 'tx2', palm))).toMatchObject({ decision: 'deny', reason: 'OPEN_DISPUTE', customerId: 'c-disputes' });
    expect(h.repo.countSessions('open')).toBe(0);
    expect(published.map((p) => p.msg.reason)).toEqual(['UNPAID_BALANCE', 'OPEN_DISPUTE']);
    // Settled: the next pull clears the flag and the same shopper is admitted.
    delete flags['c-owes'];
    next = 'c-owes';
    expect(await gate.entry(req(dev, 'tx3', palm))).toMatchObject({ decision: 'open', reason: 'OK', customerId: 'c-owes' });
  });
});
