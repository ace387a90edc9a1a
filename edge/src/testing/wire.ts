/** Builds device messages for tests the way a device would: one sequencer per device boot. */
import { EnvelopeSequencer, type LoadCellWeight, type GateEntryRequest, type GateCrossing } from '@tebura/contract';

export class TestDevices {
  private readonly seqs = new Map<string, EnvelopeSequencer>();
  constructor(private readonly bootId = 'b1') {}

  env(deviceId: string, ts: number) {
    let s = this.seqs.get(deviceId);
    if (s === undefined) {
      s = new EnvelopeSequencer(deviceId, this.bootId);
      this.seqs.set(deviceId, s);
    }
    return s.next(ts);
  }

  weight(deviceId: string, ts: number, plates: Record<string, number>): LoadCellWeight {
    return {
      ...this.env(deviceId, ts),
      sampleIntervalMs: 1000 / 60,
      readings: Object.entries(plates).map(([plateId, g]) => ({ plateId, grams: [g, g, g] })),
    };
  }

  entry(gateId: string, ts: number, txId: string, token: string, guests = 0): GateEntryRequest {
    return { ...this.env(gateId, ts), txId, credential: { kind: 'app', token }, guests };
  }

  crossing(gateId: string, ts: number, direction: 'in' | 'out'): GateCrossing {
    return { ...this.env(gateId, ts), direction };
  }
}
