/**
 * Customer standing at the gates: pulls the cloud's list of customers with an
 * unpaid balance or an open dispute (GET /v1/stores/:storeId/standing) and
 * answers `of(customerId)` from memory, so the gate never waits on the network.
 *
 * The whole list replaces the previous one on each successful pull. When the
 * cloud is unreachable the last list stays in force (a customer who settles
 * meanwhile is still turned away until the next pull; one who defaults is still
 * admitted): the store keeps working offline rather than shutting its gates.
 */
import type { Logger } from 'pino';
import { PeriodicPull } from './periodic-pull.js';

/** Entries accepted from one answer (the cloud's own cap); more are ignored and logged. */
export const STANDING_ENTRIES_MAX = 100_000;

/** Stable reason codes the gate answers with on `gate/decision`. */
export type StandingReason = 'UNPAID_BALANCE' | 'OPEN_DISPUTE';

export interface StandingLookup {
  /** Why this customer may not enter now, or undefined when in good standing (or unknown). */
  of(customerId: string): StandingReason | undefined;
}

export interface StandingSyncOptions {
  storeId: string;
  cloud: { url: string; apiKey: string };
  intervalMs: number;
  timeoutMs: number;
  /** An open dispute alone turns a customer away (config identity.standing.denyOpenDispute). */
  denyOpenDispute: boolean;
  log: Logger;
  fetch?: typeof fetch;
}

interface Entry {
  customerId: string;
  unpaid: boolean;
  openDispute: boolean;
}

export const standingPath = (storeId: string): string => `/v1/stores/${encodeURIComponent(storeId)}/standing`;

export class StandingSync extends PeriodicPull implements StandingLookup {
  private flags = new Map<string, StandingReason>();
  private failures = 0;
  private truncated = false;

  constructor(private readonly o: StandingSyncOptions) {
    super(o.intervalMs);
  }

  get size(): number {
    return this.flags.size;
  }

  of(customerId: string): StandingReason | undefined {
    return this.flags.get(customerId);
  }

  /** A failure is logged once per streak; the last good state is kept and retried next interval. */
  protected async pass(): Promise<void> {
    try {
      const entries = await this.fetchList();
      const next = new Map<string, StandingReason>();
      for (const e of entries.slice(0, STANDING_ENTRIES_MAX)) {
        // Money owed is the stronger reason: the shopper is asked to pay or add a card, not to wait.
        if (e.unpaid) next.set(e.customerId, 'UNPAID_BALANCE');
        else if (e.openDispute && this.o.denyOpenDispute) next.set(e.customerId, 'OPEN_DISPUTE');
      }
      if (entries.length > STANDING_ENTRIES_MAX) this.o.log.warn({ entries: entries.length, kept: STANDING_ENTRIES_MAX }, 'standing list longer than the cap; the rest is not enforced');
      this.flags = next;
      if (this.failures > 0) this.o.log.info({ failures: this.failures }, 'standing sync recovered');
      this.failures = 0;
    } catch (e) {
      if (this.failures++ === 0) this.o.log.warn({ err: (e as Error).message }, 'standing sync failed; the gates keep the last list and retry');
    }
  }

  private async fetchList(): Promise<Entry[]> {
    const res = await (this.o.fetch ?? fetch)(new URL(standingPath(this.o.storeId), this.o.cloud.url), {
      headers: { authorization: `Bearer ${this.o.cloud.apiKey}` },
      signal: AbortSignal.timeout(this.o.timeoutMs),
    });
    if (!res.ok) throw new Error(`standing answered ${res.status}`);
    const body = (await res.json()) as { customers?: unknown; truncated?: unknown } | null;
    if (!Array.isArray(body?.customers)) throw new Error('standing answer has no customers list');
    // Logged when it starts, not on every pull.
    if (body.truncated === true && !this.truncated) this.o.log.warn('the cloud truncated the standing list; customers beyond it are admitted');
    this.truncated = body.truncated === true;
    // Validate each row where it enters: a malformed one is dropped, not trusted.
    return (body.customers as unknown[]).filter(
      (c): c is Entry => typeof c === 'object' && c !== null && typeof (c as Entry).customerId === 'string' && typeof (c as Entry).unpaid === 'boolean' && typeof (c as Entry).openDispute === 'boolean',
    );
  }
}
