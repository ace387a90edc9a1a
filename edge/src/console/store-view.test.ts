/** storeView: what the floor map gets from a layout. */
import { describe, expect, it } from 'vitest';
import { storeView } from './store-view.js';
import { demoLayout } from './testing/fake-source.js';

describe('storeView', () => {
  it('splits an item resting across plates between them and falls back to capacity for empty plates', () => {
    const layout = demoLayout('sv');
    // onigiri (110 g) x 6 across p100+p101; p102 gets nothing on the planogram.
    layout.planogram = [
      { sku: 'onigiri-salmon', plateIds: ['p100', 'p101'], facings: 1, stock: 6 },
      { sku: 'green-tea-500', plateIds: ['p101'], facings: 1, stock: 2 },
    ];
    const plates = new Map(storeView(layout).gondolas.flatMap((g) => g.shelves.flatMap((s) => s.plates)).map((p) => [p.id, p]));
    expect(plates.get('p100')).toMatchObject({ sku: 'onigiri-salmon', fullG: 330 });
    // The first SKU listed names the plate; the weights add up.
    expect(plates.get('p101')).toMatchObject({ sku: 'onigiri-salmon', fullG: 330 + 1060 });
    expect(plates.get('p102')).toMatchObject({ sku: null, fullG: 8000 });
  });

  it('carries fixtures and devices but not sensor noise or planogram stock', () => {
    const v = storeView(demoLayout('sv2'));
    expect(v.gondolas[0]?.shelves[0]?.deviceId).toBe('shelf-g1-0');
    expect(v.cameras[0]).toEqual({ id: 'cam-1', kind: 'overhead', x: 2.5, y: 1.8, coverageRadiusM: 3 });
    const text = JSON.stringify(v);
    for (const hidden of ['noiseSigmaG', 'missRate', 'idSwitchRate', 'stock', 'unitWeightG']) expect(text).not.toContain(hidden);
  });
});
