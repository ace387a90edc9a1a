/**
 * Constant-velocity Kalman filter for one person on the floor, and an online
 * estimate of each camera's position noise.
 *
 * x and y are filtered independently with the same covariance (the cameras'
 * noise is isotropic), so the state is position and velocity per axis and one
 * symmetric 2x2 covariance [[pp, pv], [pv, vv]] in m^2, m^2/s, m^2/s^2.
 * Process noise is white acceleration: people start, stop and turn.
 */

export interface FilterState {
  pp: number;
  pv: number;
  vv: number;
}

/** Spectral density of the white-acceleration process noise, m^2/s^3 (tried 0.3-2 on 07 and 10: insensitive; 1 lets a standing track start walking within a few frames). */
export const ACCEL_NOISE_M2_PER_S3 = 1;
/** Velocity variance of a new track: it may be standing or walking at up to ~1.5 m/s. */
const INITIAL_VELOCITY_VAR_M2_PER_S2 = 1;

export function initialState(measurementVarM2: number): FilterState {
  return { pp: measurementVarM2, pv: 0, vv: INITIAL_VELOCITY_VAR_M2_PER_S2 };
}

/** Covariance after dtS seconds without a measurement (in place). */
export function predictCovariance(s: FilterState, dtS: number): void {
  if (dtS <= 0) return;
  const q = ACCEL_NOISE_M2_PER_S3;
  s.pp += 2 * dtS * s.pv + dtS * dtS * s.vv + (q * dtS ** 3) / 3;
  s.pv += dtS * s.vv + (q * dtS * dtS) / 2;
  s.vv += q * dtS;
}

/** Covariance of a prediction dtS ahead, without changing the state. */
export function predictedPositionVar(s: FilterState, dtS: number): number {
  if (dtS <= 0) return s.pp;
  return s.pp + 2 * dtS * s.pv + dtS * dtS * s.vv + (ACCEL_NOISE_M2_PER_S3 * dtS ** 3) / 3;
}

/**
 * Measurement update of one axis pair: returns the gains for position and velocity
 * and shrinks the covariance. Call after predictCovariance to the measurement time.
 */
export function updateCovariance(s: FilterState, measurementVarM2: number): { kp: number; kv: number } {
  const S = s.pp + measurementVarM2;
  const kp = s.pp / S;
  const kv = s.pv / S;
  const pp = s.pp * (1 - kp);
  const pv = s.pv * (1 - kp);
  const vv = s.vv - kv * s.pv;
  s.pp = pp;
  s.pv = pv;
  s.vv = Math.max(vv, 1e-6);
  return { kp, kv };
}

/** Bounds of a camera's estimated position noise (standard deviation), m. */
const NOISE_MIN_M = 0.03;
const NOISE_MAX_M = 0.6;
/** The estimate follows innovations with at least this weight (slow drift of a camera's calibration). */
const NOISE_EMA_MIN = 0.01;
/** Cameras whose noise is estimated at once; beyond it unknown cameras share the default. */
export const CAMERAS_MAX = 256;

/**
 * A camera's position noise, learned from the innovations of confirmed tracks:
 * E[innovation^2] = predicted position variance + measurement variance. The
 * layout's figure is only a start: a dirty lens or a bad calibration is worse.
 */
export class CameraNoise {
  private readonly est = new Map<string, { varM2: number; n: number }>();

  constructor(private readonly defaultM: number) {}

  varianceM2(cameraId: string): number {
    return this.est.get(cameraId)?.varM2 ?? this.defaultM * this.defaultM;
  }

  seed(cameraId: string, noiseM: number): void {
    if (this.est.size >= CAMERAS_MAX) return;
    const m = clamp(noiseM, NOISE_MIN_M, NOISE_MAX_M);
    this.est.set(cameraId, { varM2: m * m, n: 0 });
  }

  /** One innovation (per-axis mean of squares) of a confirmed track with prior position variance priorVarM2. */
  observe(cameraId: string, innovationSqM2: number, priorVarM2: number): void {
    let e = this.est.get(cameraId);
    if (!e) {
      if (this.est.size >= CAMERAS_MAX) return;
      e = { varM2: this.defaultM * this.defaultM, n: 0 };
      this.est.set(cameraId, e);
    }
    e.n++;
    const w = Math.max(1 / e.n, NOISE_EMA_MIN);
    const sample = Math.max(innovationSqM2 - priorVarM2, NOISE_MIN_M * NOISE_MIN_M);
    e.varM2 = clamp((1 - w) * e.varM2 + w * sample, NOISE_MIN_M * NOISE_MIN_M, NOISE_MAX_M * NOISE_MAX_M);
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Label-switch rate assumed before a camera has shown its own, per detection. */
const SWITCH_RATE_PRIOR = 0.01;
/** Bounds of the learned rate: a label is never proof, nor worthless. */
const SWITCH_RATE_MIN = 0.0005;
const SWITCH_RATE_MAX = 0.3;
/**
 * A swapped label stays swapped, so a label is only evidence if it has not switched
 * over the last few detections, while two people are close. A camera swapping 2 %
 * per detection has labels worth little; one swapping 0.05 % decides when people
 * overlap. (3 vs 15 tried on 07 and 10 over 3-4 seeds: 3 fewer wrong bindings.)
 */
const LABEL_HORIZON_DETECTIONS = 3;
/** The learned rate follows with at least this weight per detection. */
const SWITCH_EMA_MIN = 0.002;

/**
 * How far a camera's own track labels can be trusted: the share of detections
 * whose label last went to another track than the one position assigns now.
 * The log odds that a label has not switched over a pass are the cost discount it earns (nats).
 */
export class LabelReliability {
  private readonly est = new Map<string, { rate: number; n: number }>();

  bonusNats(cameraId: string): number {
    const rate = Math.min(0.5, (this.est.get(cameraId)?.rate ?? SWITCH_RATE_PRIOR) * LABEL_HORIZON_DETECTIONS);
    return Math.log((1 - rate) / rate);
  }

  /** Log odds against a known person showing up under a label new to this camera, nats. */
  freshPenaltyNats(cameraId: string): number {
    const rate = this.est.get(cameraId)?.rate ?? SWITCH_RATE_PRIOR;
    return Math.log((1 - rate) / rate);
  }

  observe(cameraId: string, kept: boolean): void {
    let e = this.est.get(cameraId);
    if (!e) {
      if (this.est.size >= CAMERAS_MAX) return;
      e = { rate: SWITCH_RATE_PRIOR, n: 0 };
      this.est.set(cameraId, e);
    }
    e.n++;
    const w = Math.max(1 / (e.n + 100), SWITCH_EMA_MIN);
    e.rate = clamp((1 - w) * e.rate + w * (kept ? 0 : 1), SWITCH_RATE_MIN, SWITCH_RATE_MAX);
  }
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152073) * t + 1.421413758) * t - 0.284496735) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
