/**
 * Admission for pipeline runs: at most `inFlightMax` images are processed at once
 * (two cores: more only slows every one of them) and at most `queueLengthMax` wait.
 * Beyond that a request is refused at once rather than queued without bound.
 */
export class RunGate {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly inFlightMax: number,
    readonly queueLengthMax: number,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `fn` when a slot frees up; answers `refused()` when the queue is full. */
  async run<T>(fn: () => Promise<T>, refused: () => T): Promise<T> {
    if (this.inFlight >= this.inFlightMax) {
      if (this.waiting.length >= this.queueLengthMax) return refused();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.inFlight++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so inFlight never over-counts.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
