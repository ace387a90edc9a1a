/**
 * Per-device health for the console: state, last seen, message rate, gaps,
 * restarts and dropouts (silences longer than silentMs after being active).
 */
import type { DeviceView } from '../console/source.js';
import type { DeviceHealthRow } from '../store/repo.js';

/** The rate is the count over the last finished window of this length. */
const RATE_WINDOW_MS = 5000;
/** A device silent this long (without saying offline) counts one dropout. */
export const DEVICE_SILENT_MS = 5000;

interface Health {
  kind: string;
  state: 'online' | 'offline' | 'unknown';
  bootId: string | null;
  lastSeen: number | null;
  msgs: number;
  gaps: number;
  restarts: number;
  dropouts: number;
  silent: boolean;
  windowStart: number;
  windowCount: number;
  rate: number;
}

export class DeviceHealth {
  private readonly m = new Map<string, Health>();

  constructor(private readonly devicesMax: number) {}

  restore(rows: readonly DeviceHealthRow[]): void {
    for (const r of rows.slice(0, this.devicesMax)) {
      this.m.set(r.device_id, {
        kind: r.kind, state: 'unknown', bootId: r.boot_id, lastSeen: r.last_seen, msgs: r.msgs, gaps: r.gaps,
        restarts: r.restarts, dropouts: r.dropouts, silent: true, windowStart: 0, windowCount: 0, rate: 0,
      });
    }
  }

  private get(deviceId: string, kind: string, now: number): Health | null {
    let h = this.m.get(deviceId);
    if (h === undefined) {
      if (this.m.size >= this.devicesMax) return null;
      h = { kind, state: 'unknown', bootId: null, lastSeen: null, msgs: 0, gaps: 0, restarts: 0, dropouts: 0, silent: false, windowStart: now, windowCount: 0, rate: 0 };
      this.m.set(deviceId, h);
    }
    return h;
  }

  seen(deviceId: string, kind: string, bootId: string, now: number): void {
    const h = this.get(deviceId, kind, now);
    if (h === null) return;
    h.kind = kind;
    h.bootId = bootId;
    h.lastSeen = now;
    h.msgs++;
    h.windowCount++;
    h.silent = false;
    if (h.state === 'unknown') h.state = 'online';
  }

  /** Gaps and restarts come from the sequencer, which owns ordering. */
  setCounters(deviceId: string, gaps: number, restarts: number): void {
    const h = this.m.get(deviceId);
    if (h === undefined) return;
    h.gaps = Math.max(h.gaps, gaps);
    h.restarts = Math.max(h.restarts, restarts);
  }

  state(deviceId: string, kind: string, state: 'online' | 'offline', bootId: string, now: number): DeviceView | null {
    const h = this.get(deviceId, kind, now);
    if (h === null) return null;
    if (state === 'offline' && h.state === 'online') h.dropouts++;
    h.kind = kind;
    h.state = state;
    h.bootId = bootId;
    return this.view(deviceId, h);
  }

  tick(now: number): void {
    for (const h of this.m.values()) {
      if (now - h.windowStart >= RATE_WINDOW_MS) {
        h.rate = (h.windowCount * 1000) / (now - h.windowStart);
        h.windowStart = now;
        h.windowCount = 0;
      }
      if (!h.silent && h.lastSeen !== null && now - h.lastSeen > DEVICE_SILENT_MS) {
        h.silent = true;
        if (h.state !== 'offline') h.dropouts++;
      }
    }
  }

  private view(deviceId: string, h: Health): DeviceView {
    return { deviceId, kind: h.kind, state: h.state, lastSeen: h.lastSeen, msgsPerS: h.rate, gaps: h.gaps, restarts: h.restarts };
  }

  views(): DeviceView[] {
    return [...this.m.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, h]) => this.view(id, h));
  }

  rows(): DeviceHealthRow[] {
    return [...this.m.entries()].map(([id, h]) => ({
      device_id: id, kind: h.kind, state: h.state, boot_id: h.bootId, last_seen: h.lastSeen,
      msgs: h.msgs, gaps: h.gaps, restarts: h.restarts, dropouts: h.dropouts,
    }));
  }
}
