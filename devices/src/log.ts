/**
 * The logging surface devices/ needs. pino's Logger satisfies it, so a service can
 * pass its own; the default writes one JSON line per event to stderr.
 */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

function line(level: string, name: string, obj: object, msg: string): void {
  process.stderr.write(`${JSON.stringify({ level, name, time: Date.now(), msg, ...obj })}\n`);
}

/** A JSON-lines logger on stderr, for when the caller brings none. */
export function stderrLogger(name: string): Logger {
  return {
    info: (obj, msg) => line('info', name, obj, msg),
    warn: (obj, msg) => line('warn', name, obj, msg),
    error: (obj, msg) => line('error', name, obj, msg),
  };
}

/** Drops everything; for tests that assert on counters instead of log lines. */
export const silentLogger: Logger = Object.freeze({ info: () => undefined, warn: () => undefined, error: () => undefined });

/**
 * Log-volume bound for per-event warnings on a hot path (a noisy serial line, a
 * firmware sending a new frame type at 60 Hz): log the 1st, 2nd, 4th, 8th ...
 * occurrence, so lines grow with log2 of the count while the counter stays exact.
 */
export function isLogWorthy(count: number): boolean {
  return count > 0 && Number.isInteger(Math.log2(count));
}
