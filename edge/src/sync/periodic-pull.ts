/**
 * The loop every cloud pull shares: one pass every `intervalMs` (timer unref'd, so
 * it never holds the process open), at most one pass at a time (`pullNow` while a
 * pass runs joins it), and `stop` waits for the pass in flight. A pass must never
 * reject: it logs its own failures and keeps the last good state.
 */
export abstract class PeriodicPull {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  protected constructor(private readonly intervalMs: number) {}

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.pullNow(), this.intervalMs);
    this.timer.unref();
    void this.pullNow();
  }

  /** One pass; never rejects. */
  pullNow(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  protected abstract pass(): Promise<void>;
}
