/**
 * Payment provider seam. Every call carries an idempotency key that the caller
 * derives from the record it settles, so a retry after a crash or a timeout
 * can never charge twice: the provider answers the first outcome again.
 */
export type PaymentOp = 'authorize' | 'capture' | 'charge' | 'void' | 'refund';

export type ProviderOutcome =
  | { ok: true; ref: string }
  /** Final: the card network said no. */
  | { ok: false; kind: 'declined'; reason: string }
  /** Unknown outcome: retry with the same key. */
  | { ok: false; kind: 'timeout' | 'error'; reason: string };

export interface PaymentRequest {
  idempotencyKey: string;
  customerId: string;
  amountMinor: number;
  currency: string;
  /** The authorization a capture or void acts on, the payment a refund returns. */
  parentRef?: string;
}

export interface PaymentProvider {
  readonly name: string;
  /** Places a hold at entry. */
  authorize(req: PaymentRequest): Promise<ProviderOutcome>;
  /** Takes up to the held amount. */
  capture(req: PaymentRequest): Promise<ProviderOutcome>;
  /** Charges without a hold (the cart exceeded it, or no hold was placed). */
  charge(req: PaymentRequest): Promise<ProviderOutcome>;
  /** Releases a hold: the shopper left without buying. */
  void(req: PaymentRequest): Promise<ProviderOutcome>;
  /** Returns all or part of a capture or charge. */
  refund(req: PaymentRequest): Promise<ProviderOutcome>;
}

/** Bounds a provider call: a slower answer is a timeout (outcome unknown, retry with the same key). */
export async function withTimeout(p: Promise<ProviderOutcome>, timeoutMs: number): Promise<ProviderOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProviderOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, kind: 'timeout', reason: `no answer in ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([p.catch((e: unknown) => ({ ok: false as const, kind: 'error' as const, reason: String((e as Error)?.message ?? e) })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
