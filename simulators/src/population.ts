/**
 * The paying shoppers of a run, known before it starts so the orchestrator can
 * enrol them in the cloud. Deterministic in (scenario, seed).
 *
 * No palm-vein model or data set is public, so palm templates are synthetic:
 * a random L2-normalised vector per customer; each gate scan adds gaussian noise.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Prng, type EntryMethod, type StoreLayout } from '@tebura/contract';
import type { Scenario } from './scenario.js';

export const PALM_TEMPLATE_DIM = 128;
export const PALM_TEMPLATE_FORMAT = 'tebura-sim-palm-v1';

export interface ShopperIdentity {
  customerId: string;
  method: EntryMethod;
  /** Enrolment template, L2-normalised, PALM_TEMPLATE_DIM long. */
  palmTemplate?: number[];
  /** Absolute path of the enrolment photo. */
  faceEnrolPhoto?: string;
  /** Absolute path of the photo shown at the gate (another image of the same person). */
  faceGatePhoto?: string;
}

export interface FacePerson {
  person: string;
  images: string[];
}

const IMAGE_RE = /\.(jpe?g|png|webp)$/i;

/**
 * People in a photo directory laid out as `<person>/<image>` (or one level deeper,
 * `<set>/<person>/<image>`). Folders starting with '_' hold unlabelled photos and are skipped.
 * Only people with at least two images qualify: one to enrol, another for the gate.
 */
export function facePeople(dir: string): FacePerson[] {
  const out: FacePerson[] = [];
  const visit = (d: string, depth: number): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('_') || name.startsWith('.')) continue;
      const p = join(d, name);
      if (!statSync(p).isDirectory()) continue;
      const images = readdirSync(p).filter((f) => IMAGE_RE.test(f)).sort(byNaturalOrder).map((f) => join(p, f));
      if (images.length >= 2) out.push({ person: name, images });
      else if (images.length === 0 && depth < 1) visit(p, depth + 1);
    }
  };
  visit(dir, 0);
  return out;
}

function byNaturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

export function palmTemplate(prng: Prng): number[] {
  return normalise(Array.from({ length: PALM_TEMPLATE_DIM }, () => prng.normal()));
}

/** A gate scan: enrolment template plus per-component noise, renormalised. */
export function palmScan(template: readonly number[], sigma: number, prng: Prng): number[] {
  return normalise(template.map((x) => x + prng.normal(0, sigma)));
}

function pickMethod(scenario: Scenario, prng: Prng): EntryMethod {
  const { app, palm, face } = scenario.entry;
  const r = prng.next() * (app + palm + face);
  if (r < app) return 'app';
  if (r < app + palm) return 'palm';
  return 'face';
}

/**
 * Paying shoppers in arrival order. Without a photo directory (or once its people
 * run out) face shoppers fall back to palm, since a face gate needs real photos.
 */
export function population(scenario: Scenario, store: StoreLayout, seed: number, opts: { facesDir?: string } = {}): ShopperIdentity[] {
  const root = new Prng(seed).fork('population');
  const methodPrng = root.fork('method');
  const palmPrng = root.fork('palm');
  const facePrng = root.fork('face');
  const facesDir = opts.facesDir ?? scenario.facesDir;
  const people = facesDir === undefined ? [] : facePeople(facesDir);
  const offered = new Set(store.gates.filter((g) => g.kind === 'entry').flatMap((g) => g.methods));
  const tag = `${scenario.name.slice(0, 24)}-${seed}`;
  const out: ShopperIdentity[] = [];
  let nextPerson = 0;
  for (let i = 0; i < scenario.shoppers; i++) {
    const customerId = `sim-${tag}-${String(i + 1).padStart(4, '0')}`;
    let method = pickMethod(scenario, methodPrng);
    const template = palmTemplate(palmPrng);
    const person = method === 'face' ? people[nextPerson] : undefined;
    if (method === 'face' && person === undefined) method = 'palm';
    if (!offered.has(method)) method = offered.has('app') ? 'app' : [...offered][0] ?? 'app';
    if (method === 'palm') out.push({ customerId, method, palmTemplate: template });
    else if (method === 'face' && person !== undefined) {
      nextPerson++;
      const gate = person.images[1 + Math.floor(facePrng.next() * (person.images.length - 1))] as string;
      out.push({ customerId, method, faceEnrolPhoto: person.images[0] as string, faceGatePhoto: gate });
    } else out.push({ customerId, method: 'app' });
  }
  return out;
}
