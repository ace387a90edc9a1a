/** Bounded waits for the CLI: on a signal, or on a condition. */
/** Waits until the signal aborts (Ctrl-C) or `ms` passes, whichever is first. */
export function waitFor(signal: AbortSignal, ms?: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    function done(): void {
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Polls `cond` every 100 ms until it holds or `ms` passes; never throws on timeout (the caller checks). */
export async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}
