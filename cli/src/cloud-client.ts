/**
 * What a shopper's app and the store's back office ask of the cloud, over HTTP:
 * create a customer with consent, enrol a palm template or face photos, get an
 * app entry token. The demo and `tebura eval` use it to enrol simulated shoppers.
 */
import { readFileSync } from 'node:fs';

/** One cloud HTTP call, connect to body. */
export const CLOUD_CALL_TIMEOUT_MS = 10_000;

export class CloudAdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly adminKey: string,
  ) {}

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CLOUD_CALL_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`cloud ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return text === '' ? null : (JSON.parse(text) as unknown);
  }

  async createCustomer(customerId: string, at: number): Promise<void> {
    await this.call('POST', '/v1/customers', {
      customerId,
      consent: { purpose: 'store entry by palm, face or app code', policyVersion: '2026-01', at },
    });
  }

  async enrolPalm(customerId: string, template: readonly number[]): Promise<void> {
    await this.call('POST', `/v1/customers/${encodeURIComponent(customerId)}/enrolments`, { kind: 'palm', template });
  }

  /** Photos go to the cloud, which keeps only the embedding. */
  async enrolFacePhoto(customerId: string, photoPath: string): Promise<void> {
    const photosB64 = [readFileSync(photoPath).toString('base64')];
    await this.call('POST', `/v1/customers/${encodeURIComponent(customerId)}/enrolments`, { kind: 'face', photosB64 });
  }

  async issueEntryToken(customerId: string, storeId: string): Promise<string> {
    const r = (await this.call('POST', `/v1/customers/${encodeURIComponent(customerId)}/entry-tokens`, { storeId })) as { token: string };
    return r.token;
  }

  /** Erasure: templates removed at the cloud, and at every edge on its next sync. */
  async eraseCustomer(customerId: string): Promise<void> {
    await this.call('DELETE', `/v1/customers/${encodeURIComponent(customerId)}`);
  }

  /** The shopper's side: dispute one line of a receipt. */
  async disputeLine(receiptId: string, sku: string, reason: string): Promise<{ disputeId: string }> {
    return (await this.call('POST', `/v1/receipts/${encodeURIComponent(receiptId)}/disputes`, { sku, reason })) as { disputeId: string };
  }

  async ledgerBalances(): Promise<{ balances: { account: string; balanceMinor: number }[]; trialBalance: Record<string, number> }> {
    return (await this.call('GET', '/v1/admin/ledger/balances')) as { balances: { account: string; balanceMinor: number }[]; trialBalance: Record<string, number> };
  }

  async customerReceipts(customerId: string): Promise<unknown> {
    return this.call('GET', `/v1/customers/${encodeURIComponent(customerId)}/receipts`);
  }

  async stats(): Promise<Record<string, number>> {
    return (await this.call('GET', '/v1/admin/stats')) as Record<string, number>;
  }
}
