/**
 * The gateway's one config schema (STYLE rule 3): loaded with the contract's
 * loadConfig, so every error comes back at once with its path, defaults applied,
 * the result frozen. Every bound has its unit last.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdString, loadConfig, WEIGHT_SAMPLES_PER_MSG_MAX, type ErrorDetail } from '@tebura/contract';
import { DeviceProfile, profileProblems } from './profile.js';

export const GatewayConfig = Type.Object(
  {
    storeId: IdString,
    /** The shelf controller's id: the envelope's deviceId and the topic's device segment. */
    deviceId: IdString,
    /** Samples per plate in one published packet. */
    samplesPerMsg: Type.Integer({ minimum: 1, maximum: WEIGHT_SAMPLES_PER_MSG_MAX, default: 12 }),
    serial: Type.Object(
      {
        path: Type.String({ minLength: 1 }),
        baudRate: Type.Integer({ minimum: 1200, maximum: 4_000_000, default: 115_200 }),
        reopenDelayMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
        reopenAttemptsMax: Type.Integer({ minimum: 0, maximum: 100_000, default: 600 }),
        /** An open port silent this long is dead (the controller streams without pause) and is reopened. */
        silenceMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 2000 }),
      },
      { additionalProperties: false },
    ),
    mqtt: Type.Object(
      {
        url: Type.String({ pattern: '^(mqtt|mqtts|tcp|tls|ws|wss)://', default: 'mqtt://127.0.0.1:1883' }),
        /** Defaults to `gw-<deviceId>`; must be unique on the broker. */
        clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        keepaliveS: Type.Integer({ minimum: 1, maximum: 600, default: 10 }),
        connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
        reconnectPeriodMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 1000 }),
        /** Packets held while the broker is away; beyond it the oldest is dropped. */
        publishQueueLengthMax: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 3000 }),
        /**
         * Queue drain rate after a reconnect. A 60 Hz shelf makes 5 packets/s at 12
         * samples each, so the default drains a full default queue in about 3 s.
         */
        drainPacketsPerS: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
        /** How long stop() waits for the offline state to reach the broker. */
        closeTimeoutMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 2000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    profile: DeviceProfile,
  },
  { $id: 'SerialLoadCellGatewayConfig', additionalProperties: false },
);
export type GatewayConfig = Static<typeof GatewayConfig>;

function crossFieldProblems(cfg: GatewayConfig): ErrorDetail[] {
  return profileProblems(cfg.profile, '/profile');
}

/** Validates `raw` (parsed JSON/YAML); throws ConfigError listing every problem with its path. */
export function loadGatewayConfig(raw: unknown, source = 'gateway config'): Readonly<GatewayConfig> {
  return loadConfig(GatewayConfig, raw, source, crossFieldProblems);
}
