/**
 * The console's own counters (errors by code, SSE clients, dropped snapshots).
 * Plain numbers, not prom-client: the node owns the process metrics registry and
 * reads these through /api/stats under the `console.` prefix.
 */
export class ConsoleCounters {
  private readonly values = new Map<string, number>();

  inc(name: string, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  set(name: string, value: number): void {
    this.values.set(name, value);
  }

  get(name: string): number {
    return this.values.get(name) ?? 0;
  }

  /** Snapshot with every name prefixed by `console.`. */
  toRecord(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.values) out[`console.${k}`] = v;
    return out;
  }
}
