/**
 * Scenario schema: who comes to the store, how they behave, what goes wrong with
 * the sensors. One schema, every error reported with its path (STYLE rule 3).
 * The JSON Schema published in docs/ is generated from this object.
 */
import { Type, type Static } from '@sinclair/typebox';

const Rate = Type.Number({ minimum: 0, maximum: 1 });
const Range = (min: number, max: number, desc: string) =>
  Type.Object(
    { min: Type.Number({ minimum: 0 }), max: Type.Number({ minimum: 0 }) },
    { additionalProperties: false, default: { min, max }, description: desc },
  );

export const Arrivals = Type.Object(
  {
    /** all-at-once: everybody in the first second; uniform: evenly over windowS; poisson: random gaps with the same mean. */
    pattern: Type.Union([Type.Literal('all-at-once'), Type.Literal('uniform'), Type.Literal('poisson')], { default: 'uniform' }),
    windowS: Type.Number({ minimum: 0, default: 60 }),
  },
  { additionalProperties: false, default: {} },
);

export const EntryMix = Type.Object(
  {
    app: Type.Number({ minimum: 0, default: 1 }),
    palm: Type.Number({ minimum: 0, default: 0 }),
    face: Type.Number({ minimum: 0, default: 0 }),
  },
  { additionalProperties: false, default: {}, description: 'Relative weights of entry methods among paying shoppers.' },
);

export const Behaviour = Type.Object(
  {
    /** Distinct facings a shopper visits to take something. */
    stops: Range(1, 3, 'facings visited per shopper'),
    /** Probability that one reach takes 2 or 3 units instead of 1. */
    multiUnitRate: Type.Number({ minimum: 0, maximum: 1, default: 0.15 }),
    /** Probability that a taken unit is put back later (same facing). */
    putBackRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    /** Of the put-backs, the fraction placed on a different plate than it came from. */
    wrongPlaceRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    /** Shoppers who look around and leave with nothing. */
    leaveWithoutBuyingRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    /** Paying shoppers who bring companions (guests on their account). */
    groupRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    groupGuestsMax: Type.Integer({ minimum: 1, maximum: 8, default: 2 }),
    /** Two separately paying shoppers walk together; one hands an item to the other. */
    handoffRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    /** Two separately paying shoppers reach into the same shelf at the same moment. */
    sameShelfRate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
    dwellS: Range(2, 6, 'seconds spent looking before a reach'),
    /** When given, shoppers only take these SKUs (to focus a scenario on hard products). */
    skus: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    walkSpeedMps: Range(0.9, 1.4, 'walking speed'),
  },
  { additionalProperties: false, default: {} },
);

export const Faults = Type.Object(
  {
    /** Multiplies every load cell's noiseSigmaG. */
    weightNoiseScale: Type.Number({ minimum: 0, default: 1 }),
    /** Multiplies every load cell's driftGPerMin. */
    driftScale: Type.Number({ minimum: 0, default: 1 }),
    /** Probability a single weight sample is dropped (null on the wire). */
    dropoutRate: Type.Number({ minimum: 0, maximum: 1, default: 0.0005 }),
    /** Overrides for every overhead camera when given. */
    cameraMissRate: Type.Optional(Rate),
    idSwitchRate: Type.Optional(Rate),
    positionNoiseM: Type.Optional(Type.Number({ minimum: 0 })),
    /** Overrides every shelf camera's confusionRate when given. */
    hintConfusionRate: Type.Optional(Rate),
    /** Per-component gaussian noise added to a palm template at each scan (before renormalising). */
    palmNoiseSigma: Type.Number({ minimum: 0, default: 0.02 }),
  },
  { additionalProperties: false, default: {} },
);

export const Scenario = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$' }),
    description: Type.String({ default: '' }),
    /** Store file, relative to the scenario file (resolved to an absolute path by loadScenario). */
    store: Type.String({ minLength: 1 }),
    seed: Type.Integer({ minimum: 0, default: 1 }),
    /** Paying shoppers (guests come on top). */
    shoppers: Type.Integer({ minimum: 1, maximum: 5000 }),
    /** Hard cap on simulated time; shoppers still inside then are marked unfinished. */
    durationS: Type.Number({ exclusiveMinimum: 0, default: 600 }),
    /** Simulated start, ISO 8601; runSimulation defaults to the wall clock instead. */
    startAt: Type.String({ default: '2026-01-05T01:00:00.000Z' }),
    arrivals: Arrivals,
    entry: EntryMix,
    behaviour: Behaviour,
    faults: Faults,
    /** Directory of face photos laid out as <person>/<image>; relative to the scenario file. */
    facesDir: Type.Optional(Type.String({ minLength: 1 })),
    /** Modelled gate round trip: the decision is acted on this long after the request. */
    gateResponseMs: Type.Integer({ minimum: 50, maximum: 30_000, default: 1500 }),
  },
  { $id: 'Scenario', additionalProperties: false },
);
export type Scenario = Static<typeof Scenario>;

/** Cross-field checks the schema cannot express. */
export function scenarioProblems(s: Scenario): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const { entry, behaviour } = s;
  if (entry.app + entry.palm + entry.face <= 0) problems.push({ path: '/entry', message: 'at least one entry weight must be > 0' });
  for (const k of ['stops', 'dwellS', 'walkSpeedMps'] as const) {
    if (behaviour[k].min > behaviour[k].max) problems.push({ path: `/behaviour/${k}`, message: 'min > max' });
  }
  if (behaviour.walkSpeedMps.min <= 0) problems.push({ path: '/behaviour/walkSpeedMps/min', message: 'must be > 0' });
  if (Number.isNaN(Date.parse(s.startAt))) problems.push({ path: '/startAt', message: 'not an ISO 8601 date' });
  return problems;
}
