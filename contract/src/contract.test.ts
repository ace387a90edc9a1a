import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EnvelopeSequencer,
  ErrorCodes,
  Prng,
  decodeMessage,
  edgeSubscriptions,
  loadConfig,
  parseTopic,
  publishTyped,
  topicFor,
  type LoadCellWeight,
  type Publisher,
} from './index.js';
import { Type } from '@sinclair/typebox';

const env = new EnvelopeSequencer('shelf-1', 'boot-a');

function weight(deviceId = 'shelf-1'): LoadCellWeight {
  return { ...env.next(1000), deviceId, sampleIntervalMs: 100, readings: [{ plateId: 'p1', grams: [500.1, null, 499.8] }] };
}

describe('topics', () => {
  it('builds and parses versioned topics', () => {
    const t = topicFor('store-1', 'loadcell/weight', 'shelf-1');
    expect(t).toBe('tebura/v1/store-1/loadcell/shelf-1/weight');
    expect(parseTopic(t)).toEqual({ storeId: 'store-1', channel: 'loadcell/weight', deviceId: 'shelf-1' });
    expect(parseTopic('tebura/v2/store-1/loadcell/shelf-1/weight')).toBeNull();
    expect(parseTopic('tebura/v1/store-1/loadcell/shelf-1/bogus')).toBeNull();
  });

  it('subscribes the edge to device channels only, with single-level wildcards', () => {
    const subs = edgeSubscriptions('s1');
    expect(subs).toContain('tebura/v1/s1/loadcell/+/weight');
    expect(subs).toContain('tebura/v1/s1/device/+/state');
    expect(subs.some((s) => s.endsWith('/decision'))).toBe(false);
  });

  it('publishes with the channel QoS and retain flag', () => {
    const sent: { topic: string; opts: unknown }[] = [];
    const client: Publisher = { publish: (topic, _m, opts) => sent.push({ topic, opts }) };
    publishTyped(client, topicFor('s1', 'device/state', 'shelf-1'), {
      v: 1, deviceId: 'shelf-1', bootId: 'b', kind: 'loadcell', state: 'online', ts: 1,
    });
    expect(sent[0]?.opts).toEqual({ qos: 1, retain: true });
    // A payload of another channel must not compile on this topic:
    // @ts-expect-error LoadCellWeight is not a DeviceState
    publishTyped(client, topicFor('s1', 'device/state', 'shelf-1'), weight());
  });
});

describe('decodeMessage', () => {
  const t = topicFor('s1', 'loadcell/weight', 'shelf-1');

  it('accepts a valid packet', () => {
    const r = decodeMessage(t, Buffer.from(JSON.stringify(weight())));
    expect(r.ok).toBe(true);
    if (r.ok && r.channel === 'loadcell/weight') expect(r.msg.readings[0]?.grams[1]).toBeNull();
  });

  it('rejects bad JSON, bad schema, topic mismatch and unknown topics with stable codes', () => {
    expect(decodeMessage(t, '{nope')).toMatchObject({ ok: false, code: ErrorCodes.JSON });
    const bad = { ...weight(), seq: -1 };
    const r = decodeMessage(t, JSON.stringify(bad));
    expect(r).toMatchObject({ ok: false, code: ErrorCodes.SCHEMA });
    if (!r.ok) expect(r.reason).toContain('/seq');
    expect(decodeMessage(t, JSON.stringify(weight('shelf-2')))).toMatchObject({ ok: false, code: ErrorCodes.TOPIC_MISMATCH });
    expect(decodeMessage('other/topic', '{}')).toMatchObject({ ok: false, code: ErrorCodes.TOPIC_UNKNOWN });
    expect(decodeMessage(t, JSON.stringify({ ...weight(), extra: 1 }))).toMatchObject({ ok: false, code: ErrorCodes.SCHEMA });
  });

  it('rejects oversized payloads before parsing', () => {
    expect(decodeMessage(t, 'x'.repeat(2_300_000))).toMatchObject({ ok: false, code: ErrorCodes.TOO_LARGE });
  });
});

describe('loadConfig', () => {
  const Schema = Type.Object({ port: Type.Integer({ minimum: 1, default: 8080 }), name: Type.String(), mode: Type.Union([Type.Literal('a'), Type.Literal('b')]) });

  it('applies defaults and freezes', () => {
    const c = loadConfig(Schema, { name: 'x', mode: 'a' }, 'test');
    expect(c.port).toBe(8080);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every error with its path at once', () => {
    try {
      loadConfig(Schema, { port: 0, mode: 'c' }, 'test');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).details.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['/port', '/name', '/mode']));
    }
  });
});

describe('Prng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Prng(42), b = new Prng(42), c = new Prng(43);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
  });

  it('draws normals with the asked mean and sigma', () => {
    const p = new Prng(7);
    const n = 20000;
    let sum = 0, sq = 0;
    for (let i = 0; i < n; i++) {
      const x = p.normal(10, 2);
      sum += x;
      sq += x * x;
    }
    const mean = sum / n;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(2, 1);
  });
});

describe('edge answers addressed to a gate', () => {
  it('checks gateId, not the sender, against the topic segment', () => {
    const answer = {
      ...new EnvelopeSequencer('edge-s1', 'b1').next(5), gateId: 'gate-in', txId: 't1', status: 'ok', decision: 'open', reason: 'OK', guests: 0,
    };
    const t = topicFor('s1', 'gate/decision', 'gate-in');
    expect(decodeMessage(t, JSON.stringify(answer)).ok).toBe(true);
    expect(decodeMessage(topicFor('s1', 'gate/decision', 'gate-out'), JSON.stringify(answer))).toMatchObject({ ok: false, code: ErrorCodes.TOPIC_MISMATCH });
  });
});
