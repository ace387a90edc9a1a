import { describe, expect, it } from 'vitest';
import { Sequencer } from './sequencer.js';

type M = { deviceId: string; bootId: string; seq: number };
const m = (seq: number, bootId = 'b1', deviceId = 'd1'): M => ({ deviceId, bootId, seq });

function make(window = 100, bufferMax = 4) {
  const out: M[] = [];
  const s = new Sequencer<M>({ reorderWindowMs: window, reorderBufferMax: bufferMax, devicesMax: 3 }, (x) => out.push(x));
  const seqs = () => out.map((x) => `${x.bootId}:${x.seq}`);
  return { s, out, seqs };
}

describe('Sequencer', () => {
  it('drops duplicates by (deviceId, bootId, seq)', () => {
    const { s, seqs } = make();
    expect(s.offer(m(0), 0)).toBe('released');
    expect(s.offer(m(1), 0)).toBe('released');
    expect(s.offer(m(1), 0)).toBe('duplicate');
    expect(s.offer(m(0), 0)).toBe('duplicate');
    expect(seqs()).toEqual(['b1:0', 'b1:1']);
    expect(s.stats('d1')?.duplicates).toBe(2);
  });

  it('does not confuse devices', () => {
    const { s, out } = make();
    s.offer(m(5, 'b1', 'a'), 0);
    s.offer(m(5, 'b1', 'b'), 0);
    expect(out).toHaveLength(2);
  });

  it('releases in seq order when a held gap fills', () => {
    const { s, seqs } = make();
    s.offer(m(0), 0);
    expect(s.offer(m(2), 1)).toBe('held');
    expect(s.offer(m(3), 2)).toBe('held');
    expect(s.offer(m(2), 2)).toBe('duplicate'); // a duplicate of a held message
    expect(seqs()).toEqual(['b1:0']);
    expect(s.offer(m(1), 3)).toBe('released');
    expect(seqs()).toEqual(['b1:0', 'b1:1', 'b1:2', 'b1:3']);
    expect(s.stats('d1')?.gaps).toBe(0);
  });

  it('skips a gap after the reorder window and counts it', () => {
    const { s, seqs } = make(100);
    s.offer(m(0), 0);
    s.offer(m(3), 10);
    s.tick(109);
    expect(seqs()).toEqual(['b1:0']);
    s.tick(110);
    expect(seqs()).toEqual(['b1:0', 'b1:3']);
    expect(s.stats('d1')?.gaps).toBe(2);
    expect(s.offer(m(1), 120)).toBe('duplicate'); // too late: we moved on
  });

  it('bounds the held buffer: overflow skips to the oldest held seq', () => {
    const { s, seqs } = make(1000, 2);
    s.offer(m(0), 0);
    s.offer(m(5), 1);
    s.offer(m(6), 1);
    expect(s.heldCount()).toBe(2);
    s.offer(m(8), 1); // third held > bufferMax 2
    expect(seqs()).toEqual(['b1:0', 'b1:5', 'b1:6']);
    expect(s.heldCount()).toBe(1);
    expect(s.stats('d1')?.gaps).toBe(4);
  });

  it('detects a restart by a new bootId and flushes the old boot first', () => {
    const { s, seqs } = make();
    s.offer(m(0, 'b1'), 0);
    s.offer(m(2, 'b1'), 0);
    expect(s.offer(m(0, 'b2'), 1)).toBe('released');
    expect(seqs()).toEqual(['b1:0', 'b1:2', 'b2:0']);
    expect(s.stats('d1')).toMatchObject({ bootId: 'b2', restarts: 1, gaps: 1 });
    // A late message of the previous boot is not a second restart.
    expect(s.offer(m(3, 'b1'), 2)).toBe('stale_boot');
    expect(s.stats('d1')?.restarts).toBe(1);
  });

  it('refuses devices beyond devicesMax', () => {
    const { s } = make();
    for (const d of ['a', 'b', 'c']) expect(s.offer(m(0, 'b', d), 0)).toBe('released');
    expect(s.offer(m(0, 'b', 'd'), 0)).toBe('too_many_devices');
  });
});

describe('Sequencer after a restart of the edge', () => {
  it('drops replays below the restored watermark and does not hold the first new message', () => {
    const { s, seqs } = make();
    s.restoreWatermarks([{ deviceId: 'd1', bootId: 'b1', nextSeq: 10, recentBoots: [] }]);
    expect(s.offer(m(9), 0)).toBe('duplicate');
    expect(s.offer(m(14), 0)).toBe('released'); // 10..13 were processed before the crash or lost
    expect(s.offer(m(16), 0)).toBe('held'); // afterwards, ordinary reordering
    expect(seqs()).toEqual(['b1:14']);
    expect(s.stats('d1')?.gaps).toBe(0);
  });
});
