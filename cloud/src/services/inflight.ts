/**
 * One record is processed by one request at a time in this process. A retry
 * that arrives while the first attempt is still running waits for it (bounded),
 * then runs again and finds the stored record; past the bound it gets 409
 * E_IN_FLIGHT and retries later.
 */
import { TeburaError } from '@tebura/contract';
import { CloudErrors } from '../errors.js';

export class InFlight {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly waitMs: number;
  private readonly recordsMax: number;

  constructor(waitMs: number, recordsMax: number) {
    this.waitMs = waitMs;
    this.recordsMax = recordsMax;
  }

  get size(): number {
    return this.running.size;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([
        current.then(
          () => true,
          () => true,
        ),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), this.waitMs))),
      ]);
      clearTimeout(timer);
      if (!settled || this.running.has(key)) {
        throw new TeburaError(CloudErrors.IN_FLIGHT, 'conflict', `record ${key} is still being processed; retry later`);
      }
    }
    if (this.running.size >= this.recordsMax) {
      throw new TeburaError(CloudErrors.UNAVAILABLE, 'unavailable', `too many records in flight (${this.recordsMax})`);
    }
    const p = fn();
    this.running.set(key, p);
    try {
      return await p;
    } finally {
      this.running.delete(key);
    }
  }
}
