/**
 * The layout summary the web UI draws its floor map from: fixtures and devices
 * with positions, plus each plate's expected full load so the map can colour a
 * plate by how empty it is. Device noise profiles are left out: the operator does
 * not need them and they are the node's business.
 */
import type { StoreLayout, TaxClass } from '@tebura/contract';

export interface PlateView {
  id: string;
  x: number;
  y: number;
  widthM: number;
  capacityG: number;
  /** SKU stocked on this plate by the planogram, null when none. */
  sku: string | null;
  /** Product weight of a fully stocked plate (planogram stock x mean unit weight), tare excluded. */
  fullG: number;
}

export interface StoreView {
  id: string;
  name: string;
  currency: string;
  taxRates: { taxClass: TaxClass; rateBp: number }[];
  floor: { widthM: number; depthM: number };
  gondolas: {
    id: string;
    x: number;
    y: number;
    widthM: number;
    depthM: number;
    shelves: { id: string; level: number; deviceId: string; plates: PlateView[] }[];
  }[];
  cameras: { id: string; kind: 'overhead' | 'shelf'; x: number; y: number; coverageRadiusM: number }[];
  gates: { id: string; kind: 'entry' | 'exit'; x: number; y: number; methods: string[] }[];
  products: { sku: string; name: string; priceMinor: number; taxClass: TaxClass }[];
}

export function storeView(layout: StoreLayout): StoreView {
  const unitG = new Map(layout.products.map((p) => [p.sku, p.unitWeightG.mean]));
  const plateSku = new Map<string, string>();
  const plateFullG = new Map<string, number>();
  for (const e of layout.planogram) {
    // An item resting across several plates loads each of them by a share.
    const share = ((unitG.get(e.sku) ?? 0) * e.stock) / e.plateIds.length;
    for (const id of e.plateIds) {
      if (!plateSku.has(id)) plateSku.set(id, e.sku);
      plateFullG.set(id, (plateFullG.get(id) ?? 0) + share);
    }
  }
  return {
    id: layout.id,
    name: layout.name,
    currency: layout.currency,
    taxRates: layout.taxRates.map((r) => ({ taxClass: r.taxClass, rateBp: r.rateBp })),
    floor: { widthM: layout.floor.widthM, depthM: layout.floor.depthM },
    gondolas: layout.gondolas.map((g) => ({
      id: g.id,
      x: g.x,
      y: g.y,
      widthM: g.widthM,
      depthM: g.depthM,
      shelves: g.shelves.map((s) => ({
        id: s.id,
        level: s.level,
        deviceId: s.loadCell.deviceId,
        plates: s.plates.map((p) => ({
          id: p.id,
          x: p.x,
          y: p.y,
          widthM: p.widthM,
          capacityG: p.capacityG,
          sku: plateSku.get(p.id) ?? null,
          fullG: Math.round(plateFullG.get(p.id) ?? p.capacityG),
        })),
      })),
    })),
    cameras: layout.cameras.map((c) => ({ id: c.id, kind: c.kind, x: c.x, y: c.y, coverageRadiusM: c.coverageRadiusM })),
    gates: layout.gates.map((g) => ({ id: g.id, kind: g.kind, x: g.x, y: g.y, methods: [...g.methods] })),
    products: layout.products.map((p) => ({ sku: p.sku, name: p.name, priceMinor: p.priceMinor, taxClass: p.taxClass })),
  };
}
