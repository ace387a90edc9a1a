import { describe, expect, it } from 'vitest';
import { RunGate } from './gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RunGate', () => {
  it('runs at most inFlightMax at once, queues up to queueLengthMax, refuses beyond', async () => {
    const gate = new RunGate(2, 1);
    let running = 0;
    let peak = 0;
    const holds = [deferred(), deferred(), deferred()];
    const job = (i: number) => async (): Promise<string> => {
      running++;
      peak = Math.max(peak, running);
      await holds[i]?.promise;
      running--;
      return `done${i}`;
    };
    const p0 = gate.run(job(0), () => 'refused');
    const p1 = gate.run(job(1), () => 'refused');
    const p2 = gate.run(job(2), () => 'refused'); // queued
    const p3 = gate.run(job(2), () => 'refused'); // queue full
    expect(await p3).toBe('refused');
    expect(gate.queued).toBe(1);
    holds[0]?.resolve();
    expect(await p0).toBe('done0');
    holds[1]?.resolve();
    holds[2]?.resolve();
    expect(await Promise.all([p1, p2])).toEqual(['done1', 'done2']);
    expect(peak).toBe(2);
    expect(gate.queued).toBe(0);
  });

  it('frees the slot when a run throws', async () => {
    const gate = new RunGate(1, 0);
    await expect(gate.run(() => Promise.reject(new Error('boom')), () => 'refused')).rejects.toThrow('boom');
    expect(await gate.run(() => Promise.resolve('ok'), () => 'refused')).toBe('ok');
  });
});
