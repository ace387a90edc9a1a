import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tebura/contract';
import { loadGatewayConfig } from './config.js';

const minimal = {
  storeId: 'store-1',
  deviceId: 'shelf-g2s5',
  serial: { path: '/dev/ttyUSB0' },
  profile: { name: 'g2s5', plates: [{ plateId: 'g2s5p1', channel: 0 }] },
};

describe('loadGatewayConfig', () => {
  it('applies defaults and freezes the result', () => {
    const cfg = loadGatewayConfig(minimal);
    expect(cfg.samplesPerMsg).toBe(12);
    expect(cfg.mqtt.publishQueueLengthMax).toBe(3000);
    expect(cfg.serial.baudRate).toBe(115_200);
    expect(cfg.profile.plates[0]?.scale).toBe(0.01);
    expect(Object.isFrozen(cfg.profile.plates[0])).toBe(true);
  });

  it('reports every error at once, each with its path', () => {
    const raw = {
      ...minimal,
      deviceId: 'bad/id',
      samplesPerMsg: 0,
      serial: { path: '' },
      mqtt: { publishQueueLengthMax: -1 },
      profile: { name: 'g', plates: [{ plateId: 'x', channel: 70 }] },
    };
    let err: unknown;
    try {
      loadGatewayConfig(raw, 'test.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).details.map((d) => d.path);
    for (const p of ['/deviceId', '/samplesPerMsg', '/serial/path', '/mqtt/publishQueueLengthMax', '/profile/plates/0/channel']) {
      expect(paths).toContain(p);
    }
    expect((err as Error).message).toContain('test.yaml');
  });

  it('reports cross-field profile problems with paths', () => {
    const raw = { ...minimal, profile: { name: 'g', plates: [{ plateId: 'a', channel: 0 }, { plateId: 'a', channel: 1 }] } };
    expect(() => loadGatewayConfig(raw)).toThrow(/\/profile\/plates\/1\/plateId: duplicate plateId/);
  });
});
