/**
 * Store layout: floor, fixtures, devices, products and planogram. The simulator
 * builds its virtual store from it and the edge uses it as its device profile and
 * catalog (in production the edge pulls the same document from the cloud).
 * Coordinates are metres on the floor plan, origin at one corner, x right, y up.
 * Sensor noise fields describe the device (its datasheet), not ground truth.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IdString } from './envelope.js';

export const TaxClass = Type.Union([Type.Literal('food'), Type.Literal('standard')]);
export type TaxClass = Static<typeof TaxClass>;

export const Product = Type.Object(
  {
    sku: IdString,
    name: Type.String({ minLength: 1, maxLength: 120 }),
    unitWeightG: Type.Object({ mean: Type.Number({ exclusiveMinimum: 0 }), sigma: Type.Number({ minimum: 0 }) }),
    /** Price before tax, integer minor units of the store currency. */
    priceMinor: Type.Integer({ minimum: 0 }),
    taxClass: TaxClass,
  },
  { additionalProperties: false },
);
export type Product = Static<typeof Product>;

export const Plate = Type.Object(
  {
    id: IdString,
    /** Plate centre on the floor plan. */
    x: Type.Number(),
    y: Type.Number(),
    widthM: Type.Number({ exclusiveMinimum: 0 }),
    capacityG: Type.Number({ exclusiveMinimum: 0 }),
  },
  { additionalProperties: false },
);
export type Plate = Static<typeof Plate>;

export const LoadCellProfile = Type.Object(
  {
    /** The shelf controller that reports this shelf's plates. */
    deviceId: IdString,
    sampleRateHz: Type.Number({ minimum: 1, maximum: 200 }),
    noiseSigmaG: Type.Number({ minimum: 0 }),
    driftGPerMin: Type.Number({ minimum: 0 }),
    /** Samples per published packet. */
    samplesPerMsg: Type.Integer({ minimum: 1, maximum: 120 }),
  },
  { additionalProperties: false },
);
export type LoadCellProfile = Static<typeof LoadCellProfile>;

export const Shelf = Type.Object(
  {
    id: IdString,
    level: Type.Integer({ minimum: 0 }),
    /** Height of the shelf's surface above the floor, m; a pose camera's wrist heights are weighed against it. */
    heightM: Type.Optional(Type.Number({ minimum: 0 })),
    loadCell: LoadCellProfile,
    plates: Type.Array(Plate, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type Shelf = Static<typeof Shelf>;

export const Gondola = Type.Object(
  {
    id: IdString,
    /** Footprint rectangle: lower-left corner and size. */
    x: Type.Number(),
    y: Type.Number(),
    widthM: Type.Number({ exclusiveMinimum: 0 }),
    depthM: Type.Number({ exclusiveMinimum: 0 }),
    shelves: Type.Array(Shelf, { minItems: 1, maxItems: 16 }),
  },
  { additionalProperties: false },
);
export type Gondola = Static<typeof Gondola>;

export const Camera = Type.Object(
  {
    id: IdString,
    kind: Type.Union([Type.Literal('overhead'), Type.Literal('shelf')]),
    x: Type.Number(),
    y: Type.Number(),
    coverageRadiusM: Type.Number({ exclusiveMinimum: 0 }),
    fps: Type.Number({ minimum: 1, maximum: 60 }),
    positionNoiseM: Type.Number({ minimum: 0 }),
    missRate: Type.Number({ minimum: 0, maximum: 1 }),
    idSwitchRate: Type.Number({ minimum: 0, maximum: 1 }),
    /**
     * Overhead cameras with a pose model: standard deviation of the wrist
     * keypoints they report on the floor plane, m. Absent: the camera reports
     * bodies only, no hands.
     */
    handNoiseM: Type.Optional(Type.Number({ minimum: 0 })),
    /** Overhead cameras with a pose model: probability a wrist is not seen in a frame (occluded by the body or the shelf). */
    handMissRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Shelf cameras only: probability the top hint is a wrong SKU. */
    confusionRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Shelf cameras only: plates this camera watches. */
    plateIds: Type.Optional(Type.Array(IdString)),
  },
  { additionalProperties: false },
);
export type Camera = Static<typeof Camera>;

export const EntryMethod = Type.Union([Type.Literal('face'), Type.Literal('palm'), Type.Literal('app')]);
export type EntryMethod = Static<typeof EntryMethod>;

export const Gate = Type.Object(
  {
    id: IdString,
    kind: Type.Union([Type.Literal('entry'), Type.Literal('exit')]),
    x: Type.Number(),
    y: Type.Number(),
    methods: Type.Array(EntryMethod),
  },
  { additionalProperties: false },
);
export type Gate = Static<typeof Gate>;

export const PlanogramEntry = Type.Object(
  {
    sku: IdString,
    /** Usually one plate; an item wider than a plate rests across neighbours. */
    plateIds: Type.Array(IdString, { minItems: 1, maxItems: 4 }),
    facings: Type.Integer({ minimum: 1 }),
    stock: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type PlanogramEntry = Static<typeof PlanogramEntry>;

/** SKUs and planogram entries one catalog may hold (a bound on the pull and the admin upload). */
export const CATALOG_ENTRIES_MAX = 10_000;

/**
 * What a store sells and where, as the cloud serves it (versioned per store):
 * names, unit prices and tax classes, and the planogram. The edge overlays it
 * on its layout (prices apply at the next session close).
 */
export const StoreCatalog = Type.Object(
  {
    version: Type.Integer({ minimum: 0 }),
    products: Type.Array(Product, { minItems: 1, maxItems: CATALOG_ENTRIES_MAX }),
    planogram: Type.Array(PlanogramEntry, { maxItems: CATALOG_ENTRIES_MAX }),
  },
  { additionalProperties: false },
);
export type StoreCatalog = Static<typeof StoreCatalog>;

export const TaxRate = Type.Object(
  {
    taxClass: TaxClass,
    /** Rate in basis points: 800 = 8 %. */
    rateBp: Type.Integer({ minimum: 0, maximum: 10000 }),
  },
  { additionalProperties: false },
);

export const StoreLayout = Type.Object(
  {
    id: IdString,
    name: Type.String({ minLength: 1, maxLength: 120 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'JPY' }),
    /** Japan by default: 8 % reduced rate on food, 10 % standard. */
    taxRates: Type.Array(TaxRate, { minItems: 1 }),
    floor: Type.Object({ widthM: Type.Number({ exclusiveMinimum: 0 }), depthM: Type.Number({ exclusiveMinimum: 0 }) }),
    /** How far from a plate a shopper's tracked position can reach it. */
    reachM: Type.Number({ exclusiveMinimum: 0, default: 1.0 }),
    products: Type.Array(Product, { minItems: 1 }),
    gondolas: Type.Array(Gondola, { minItems: 1 }),
    planogram: Type.Array(PlanogramEntry),
    cameras: Type.Array(Camera),
    gates: Type.Array(Gate, { minItems: 1 }),
  },
  { $id: 'StoreLayout', additionalProperties: false },
);
export type StoreLayout = Static<typeof StoreLayout>;

/** Cross-reference checks a schema cannot express. Returns every problem found. */
export function storeLayoutProblems(s: StoreLayout): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const skus = new Set(s.products.map((p) => p.sku));
  const plateIds = new Set<string>();
  const deviceIds = new Set<string>();
  s.gondolas.forEach((g, gi) =>
    g.shelves.forEach((sh, si) => {
      if (deviceIds.has(sh.loadCell.deviceId)) {
        problems.push({ path: `/gondolas/${gi}/shelves/${si}/loadCell/deviceId`, message: `duplicate device '${sh.loadCell.deviceId}'` });
      }
      deviceIds.add(sh.loadCell.deviceId);
      sh.plates.forEach((p, pi) => {
        if (plateIds.has(p.id)) problems.push({ path: `/gondolas/${gi}/shelves/${si}/plates/${pi}/id`, message: `duplicate plate '${p.id}'` });
        plateIds.add(p.id);
      });
    }),
  );
  s.planogram.forEach((e, i) => {
    if (!skus.has(e.sku)) problems.push({ path: `/planogram/${i}/sku`, message: `unknown sku '${e.sku}'` });
    e.plateIds.forEach((p, j) => {
      if (!plateIds.has(p)) problems.push({ path: `/planogram/${i}/plateIds/${j}`, message: `unknown plate '${p}'` });
    });
  });
  const classes = new Set(s.taxRates.map((r) => r.taxClass));
  s.products.forEach((p, i) => {
    if (!classes.has(p.taxClass)) problems.push({ path: `/products/${i}/taxClass`, message: `no tax rate for class '${p.taxClass}'` });
  });
  if (!s.gates.some((g) => g.kind === 'entry')) problems.push({ path: '/gates', message: 'no entry gate' });
  if (!s.gates.some((g) => g.kind === 'exit')) problems.push({ path: '/gates', message: 'no exit gate' });
  return problems;
}
