// The floor map: a plan view in metres (SVG user units), y flipped so y grows up
// as in the store layout. Static fixtures are drawn once; plates and people are
// updated in place so 5 updates a second stay cheap.
import { svg, sessionColour, shortId } from './util.js';

const MARGIN_M = 0.4;
const PERSON_RADIUS_M = 0.2;
// Marks and labels are sized for a 10 m floor and grow with bigger ones, so a
// 40 m store does not turn into specks (the same factor feeds --u in the CSS).
const REFERENCE_FLOOR_M = 10;

/** Green when stocked, through yellow, to red when empty. */
export function plateFill(ratio) {
  if (ratio === null || Number.isNaN(ratio)) return '#d1d5db';
  const r = Math.max(0, Math.min(1, ratio));
  return `hsl(${Math.round(r * 140)} 62% 46%)`;
}

export class FloorMap {
  constructor(root) {
    this.root = root;
    this.plates = new Map(); // plateId -> { rect, title, plate, peakG }
    this.people = new Map(); // trackId -> <g>
    this.gates = new Map();
    this.depthM = 1;
    this.u = 1;
    this.peopleLayer = null;
  }

  setStore(store) {
    this.root.replaceChildren();
    this.plates.clear();
    this.people.clear();
    this.gates.clear();
    const { widthM, depthM } = store.floor;
    this.depthM = depthM;
    this.u = Math.max(1, Math.max(widthM, depthM) / REFERENCE_FLOOR_M);
    this.root.style.setProperty('--u', String(this.u));
    const m = MARGIN_M * this.u;
    this.root.setAttribute('viewBox', `${-m} ${-m} ${widthM + 2 * m} ${depthM + 2 * m}`);
    this.root.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    const fixtures = svg('g');
    // Camera coverage is clipped to the floor: what lies outside the walls is noise.
    const clip = svg('clipPath', { id: 'floor-clip' }, svg('rect', { x: 0, y: 0, width: widthM, height: depthM }));
    fixtures.append(svg('defs', {}, clip), svg('rect', { class: 'wall', x: 0, y: 0, width: widthM, height: depthM, rx: 0.05 }));
    const covers = svg('g', { 'clip-path': 'url(#floor-clip)' });
    fixtures.append(covers);
    for (const c of store.cameras) {
      const [cover, ...rest] = this.camera(c);
      if (cover) covers.append(cover);
      fixtures.append(...rest);
    }
    for (const g of store.gondolas) fixtures.append(this.gondola(g));
    for (const g of store.gates) fixtures.append(this.gate(g));
    this.peopleLayer = svg('g', { class: 'people' });
    this.root.append(fixtures, this.peopleLayer);
  }

  y(yM) {
    return this.depthM - yM;
  }

  /** [coverage or null, marker, label] */
  camera(c) {
    const cover = c.kind === 'overhead' ? svg('circle', { class: 'cover', cx: c.x, cy: this.y(c.y), r: c.coverageRadiusM }) : null;
    const marker = svg('circle', { class: 'camera', 'data-camera': c.id, cx: c.x, cy: this.y(c.y), r: 0.08 * this.u }, svg('title', { text: `${c.id} (${c.kind})` }));
    return [cover, marker, svg('text', { class: 'label', x: c.x + 0.12 * this.u, y: this.y(c.y) + 0.07 * this.u, text: c.id })];
  }

  gondola(g) {
    const top = this.y(g.y + g.depthM);
    const group = svg('g', { 'data-gondola': g.id });
    group.append(svg('rect', { class: 'gondola', x: g.x, y: top, width: g.widthM, height: g.depthM, rx: 0.03 }));
    group.append(svg('text', { class: 'label', x: g.x, y: top - 0.06 * this.u, text: g.id }));
    // Shelves stack vertically in the store; in plan view each gets a strip of
    // the footprint so every plate stays visible (lowest level nearest the aisle).
    const shelves = [...g.shelves].sort((a, b) => a.level - b.level);
    const horizontal = g.widthM >= g.depthM;
    const stripM = (horizontal ? g.depthM : g.widthM) / shelves.length;
    shelves.forEach((s, i) => {
      for (const p of s.plates) {
        const rect = horizontal
          ? { x: p.x - p.widthM / 2, y: this.y(g.y + (i + 1) * stripM), width: p.widthM, height: stripM }
          : { x: g.x + i * stripM, y: this.y(p.y + p.widthM / 2), width: stripM, height: p.widthM };
        const title = svg('title', { text: p.id });
        const el = svg('rect', { class: 'plate', 'data-plate': p.id, ...rect, fill: plateFill(null) }, title);
        group.append(el);
        this.plates.set(p.id, { rect: el, title, plate: p, peakG: 0 });
      }
    });
    return group;
  }

  gate(g) {
    const w = 0.8 * this.u;
    const h = 0.22 * this.u;
    const group = svg('g', { 'data-gate': g.id });
    const rect = svg('rect', { class: `gate-${g.kind}`, x: g.x - w / 2, y: this.y(g.y) - h / 2, width: w, height: h, rx: 0.04 });
    group.append(rect, svg('title', { text: `${g.id} (${g.kind}${g.methods.length ? ': ' + g.methods.join(', ') : ''})` }));
    group.append(svg('text', { class: 'label', x: g.x - w / 2, y: this.y(g.y) - h / 2 - 0.06 * this.u, text: `${g.kind === 'entry' ? 'IN' : 'OUT'} ${g.id}` }));
    this.gates.set(g.id, rect);
    return group;
  }

  /**
   * Weights are absolute (tare included) and the tare is not in the layout, so
   * "full" is the larger of the planogram's product weight and the most this
   * plate has weighed since the page opened.
   */
  setPlates(grams) {
    if (!grams) return;
    for (const [id, entry] of this.plates) {
      const g = grams[id];
      if (typeof g !== 'number') continue;
      entry.peakG = Math.max(entry.peakG, g);
      const fullG = Math.max(entry.plate.fullG || 0, entry.peakG);
      const ratio = entry.plate.sku === null ? null : fullG > 0 ? g / fullG : 0;
      entry.rect.setAttribute('fill', plateFill(ratio));
      entry.title.textContent = `${id}${entry.plate.sku ? ' · ' + entry.plate.sku : ''} · ${Math.round(g)} g of ~${Math.round(fullG)} g`;
    }
  }

  setPeople(people) {
    if (!this.peopleLayer) return; // an event that beat the store layout
    const seen = new Set();
    for (const p of people) {
      seen.add(p.trackId);
      let g = this.people.get(p.trackId);
      if (!g) {
        g = svg('g', { class: 'person', 'data-track': p.trackId });
        g.append(svg('circle', { r: PERSON_RADIUS_M * this.u }), svg('text', {}), svg('text', { class: 'tag', y: (-PERSON_RADIUS_M - 0.08) * this.u }));
        this.peopleLayer.append(g);
        this.people.set(p.trackId, g);
      }
      const label = p.sessionId ? shortId(p.sessionId) : '?';
      g.setAttribute('data-session', p.sessionId ?? '');
      g.setAttribute('aria-label', p.sessionId ? `shopper ${p.sessionId}` : 'unidentified shopper');
      g.setAttribute('transform', `translate(${p.x.toFixed(3)} ${this.y(p.y).toFixed(3)})`);
      const [circle, inner, tag] = g.children;
      circle.setAttribute('fill', sessionColour(p.sessionId));
      inner.textContent = p.sessionId ? '' : '?';
      tag.textContent = p.sessionId ? label : '';
    }
    for (const [id, g] of this.people) {
      if (!seen.has(id)) {
        g.remove();
        this.people.delete(id);
      }
    }
  }

  flashGate(gateId) {
    const rect = this.gates.get(gateId);
    if (!rect) return;
    rect.classList.remove('gate-flash');
    // Force a reflow so the animation restarts on repeated crossings.
    void rect.getBoundingClientRect();
    rect.classList.add('gate-flash');
  }
}
