/**
 * Perception tuning: every threshold, window and bound in one place, with its unit
 * last. Defaults suit the simulator's and AiFi's 10-60 Hz load cells; a deployment
 * may override any of them through `createPerceptionWith`.
 */
import type { LoadCellProfile } from '@tebura/contract';

export interface PerceptionTuning {
  /** A plate is stable when this much recent data has a small spread (settle latency floor). */
  stableWindowMs: number;
  /**
   * Early decision: an active plate calm over this much recent data may be decided
   * before the full stable window, when product inference finds its change
   * unambiguous (see shelf-events.ts); 0 turns early decisions off.
   */
  earlyWindowMs: number;
  /** The early level's uncertainty is half the largest swing over this much recent data (plate-filter.ts). */
  earlySpreadMs: number;
  /** ... unambiguous: the best (sku, count) at least this probable with the early window's wider noise. */
  earlyConfidenceMin: number;
  /** Stable when the window's standard deviation is at most this many noise sigmas. */
  stableSigmas: number;
  /** A single sample this many sigmas from the baseline marks the plate active (a hand is there). */
  departSigmas: number;
  /** A settled change smaller than this many sigmas is noise or crosstalk, not an item. */
  reportSigmas: number;
  /** Floors for the thresholds above, so a noiseless profile still ignores quantisation. */
  noiseFloorG: number;
  departMinG: number;
  reportMinG: number;
  /** A whole event smaller than this is a shelf settling or a crumb, not an item (AiFi: 3-5 g blips). */
  eventMinG: number;
  /** A neighbour's change below this fraction of the event's largest plate change is mechanical crosstalk. */
  crosstalkFraction: number;
  /** After start a plate learns its level and idle wander this long before it reports changes. */
  warmupMs: number;
  /** Time constant with which an idle, stable plate's baseline follows slow drift. */
  driftTauMs: number;
  /** A plate cannot settle sooner than this after its departure (a reach takes time; see plate-filter). */
  minEventMs: number;
  /** A plate active longer than this is re-zeroed (someone leaning on the shelf); bounds event length. */
  activeMaxMs: number;
  /** Relative calibration error of load cells, added to the product-weight variance. */
  scaleErrorFraction: number;
  /** Largest count of one SKU considered in one event. */
  countMax: number;
  /** Pick/put-back emitted to the cart only at or above this posterior (sku x count x shopper). */
  confidenceMin: number;
  /** Prior mass of SKUs not planned on the event's plates (misplaced items). */
  offPlanPriorPick: number;
  offPlanPriorPutBack: number;
  /** Prior of an event made of two different SKUs (simultaneous adjacent picks). */
  pairPrior: number;
  /** Prior of "none of the products" (a foreign object, a miscalibrated plate). */
  unknownPrior: number;
  /** Hints older than the event start minus this are ignored. */
  hintPadMs: number;
  hintsMax: number;
  /** Tracking: a detection further than this from a predicted track cannot update it. */
  gateM: number;
  /** A track unseen for this long is dropped (its session waits as an orphan). */
  trackMissMaxMs: number;
  /** Position history kept per track, for association over an event window. */
  trackHistoryMax: number;
  tracksMax: number;
  /** Tracks near a gate within this radius can be bound to an admission / leave through it. */
  gateRadiusM: number;
  /** An admission waits at most this long for its people to appear at the gate. */
  admitTtlMs: number;
  /** A session whose track was lost may re-bind to a new track within this long. */
  orphanTtlMs: number;
  /** Assumed top walking speed, bounds where a lost shopper can reappear. */
  walkSpeedMaxMPerS: number;
  /** Association: position uncertainty scale of a shopper relative to a plate. */
  assocSigmaM: number;
  /** Track positions before the event start considered by association. */
  assocPadMs: number;
  /**
   * Spread of where a picker stands relative to the plate it reaches (besides camera
   * noise): two shoppers whose distances to the plate differ by less than about this
   * cannot be told apart by position, and the event goes to a human.
   */
  assocStandSpreadM: number;
  /** A track born less than this before the reach (re-acquired after a miss or ID switch) counts as unstable. */
  assocStableTrackMs: number;
  /** An unstable track's position is trusted this many times less (its spread is multiplied). */
  assocUnstableSpreadFactor: number;
  /** An event whose shopper is ambiguous waits at most this long (device time from the reach) for tracks to tell. */
  deferMs: number;
  /** Lost tracks kept for association of late-settling events. */
  retiredKeepMs: number;
}

export const DEFAULT_TUNING: Readonly<PerceptionTuning> = Object.freeze({
  stableWindowMs: 350,
  earlyWindowMs: 67,
  earlySpreadMs: 200,
  earlyConfidenceMin: 0.99,
  stableSigmas: 2,
  departSigmas: 5,
  reportSigmas: 3,
  noiseFloorG: 0.5,
  departMinG: 4,
  reportMinG: 3,
  eventMinG: 8,
  crosstalkFraction: 0.05,
  warmupMs: 2000,
  driftTauMs: 2000,
  minEventMs: 500,
  activeMaxMs: 15_000,
  scaleErrorFraction: 0.01,
  countMax: 6,
  confidenceMin: 0.8,
  offPlanPriorPick: 0.02,
  offPlanPriorPutBack: 0.15,
  pairPrior: 0.03,
  unknownPrior: 0.005,
  hintPadMs: 2000,
  hintsMax: 256,
  gateM: 1.0,
  trackMissMaxMs: 2000,
  trackHistoryMax: 256,
  tracksMax: 512,
  gateRadiusM: 1.2,
  admitTtlMs: 60_000,
  orphanTtlMs: 60_000,
  walkSpeedMaxMPerS: 2,
  assocSigmaM: 0.3,
  assocPadMs: 500,
  assocStandSpreadM: 0.1,
  assocStableTrackMs: 3000,
  assocUnstableSpreadFactor: 2,
  deferMs: 4000,
  retiredKeepMs: 15_000,
});

/** Per-shelf thresholds in grams derived from the device profile. */
export interface PlateThresholds {
  windowSamples: number;
  /** The stable window's length in time, ms. */
  windowMs: number;
  /** Readings in the early window; 0 when early decisions are off. */
  earlySamples: number;
  /** Readings whose swing bounds the early level's uncertainty (at least earlySamples, at most the window). */
  earlySpreadSamples: number;
  stableSigmaG: number;
  departG: number;
  reportG: number;
  reportSigmas: number;
  warmupSamples: number;
  minEventMs: number;
  driftGain: number;
  noiseG: number;
}

export function plateThresholds(profile: LoadCellProfile, t: PerceptionTuning): PlateThresholds {
  const noiseG = Math.max(profile.noiseSigmaG, t.noiseFloorG);
  const windowSamples = Math.max(3, Math.round((t.stableWindowMs * profile.sampleRateHz) / 1000));
  return {
    windowSamples,
    windowMs: (windowSamples * 1000) / profile.sampleRateHz,
    earlySamples: t.earlyWindowMs <= 0 ? 0 : Math.min(windowSamples, Math.max(3, Math.round((t.earlyWindowMs * profile.sampleRateHz) / 1000))),
    earlySpreadSamples: Math.min(windowSamples, Math.max(3, Math.round((Math.max(t.earlySpreadMs, t.earlyWindowMs) * profile.sampleRateHz) / 1000))),
    stableSigmaG: t.stableSigmas * noiseG,
    departG: Math.max(t.departSigmas * noiseG, t.departMinG),
    reportG: Math.max(t.reportSigmas * noiseG, t.reportMinG),
    reportSigmas: t.reportSigmas,
    minEventMs: t.minEventMs,
    warmupSamples: Math.max(1, Math.round((t.warmupMs * profile.sampleRateHz) / 1000)),
    driftGain: Math.min(1, 1000 / (t.driftTauMs * profile.sampleRateHz)),
    noiseG,
  };
}
