import { describe, expect, it } from 'vitest';
import { DropOldestQueue } from './bounded-queue.js';

describe('DropOldestQueue', () => {
  it('keeps FIFO order and drops the oldest beyond its bound, counting drops', () => {
    const q = new DropOldestQueue<number>(3);
    for (let i = 1; i <= 5; i++) q.push(i);
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(2);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([3, 4, 5, undefined]);
    q.push(6);
    expect(q.clear()).toBe(1);
    expect(q.length).toBe(0);
  });

  it('refuses a non-positive bound', () => {
    expect(() => new DropOldestQueue(0)).toThrow(RangeError);
  });
});
