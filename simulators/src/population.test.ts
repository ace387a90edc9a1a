import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { decodeMessage, Prng } from '@tebura/contract';
import { loadStore } from './load.js';
import { facePeople, palmScan, palmTemplate, population } from './population.js';
import { gatePhoto, loadFacePhotos, sniffMime } from './faces.js';
import { generateTraffic } from './generate.js';
import { SHARED_DATA, SMALL_STORE, scenarioOf } from './test/fixtures.js';

const store = loadStore(SMALL_STORE);
const FACES = join(SHARED_DATA, 'faces');

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('population', () => {
  it('is deterministic and mixes methods by weight', () => {
    const sc = scenarioOf({ shoppers: 200, entry: { app: 1, palm: 1 } });
    const a = population(sc, store, 5);
    expect(population(sc, store, 5)).toEqual(a);
    expect(new Set(a.map((x) => x.customerId)).size).toBe(200);
    const palms = a.filter((x) => x.method === 'palm');
    expect(palms.length).toBeGreaterThan(70);
    expect(palms.length).toBeLessThan(130);
    for (const p of palms) expect(dot(p.palmTemplate!, p.palmTemplate!)).toBeCloseTo(1, 6);
  });

  it('palm scans stay close to their own template and far from others', () => {
    const prng = new Prng(1);
    const a = palmTemplate(prng);
    const b = palmTemplate(prng);
    const scan = palmScan(a, 0.02, prng);
    expect(dot(scan, scan)).toBeCloseTo(1, 6);
    expect(dot(scan, a)).toBeGreaterThan(0.9);
    expect(Math.abs(dot(scan, b))).toBeLessThan(0.5);
  });

  it('without a photo directory face shoppers fall back to palm', () => {
    const ids = population(scenarioOf({ shoppers: 5, entry: { face: 1, app: 0 } }), store, 1);
    expect(ids.every((i) => i.method === 'palm')).toBe(true);
  });

  it('face shoppers get an enrolment photo and a different gate photo of the same person', () => {
    const people = facePeople(FACES);
    expect(people.length).toBeGreaterThanOrEqual(13);
    const ids = population(scenarioOf({ shoppers: 4, entry: { face: 1, app: 0 } }), store, 1, { facesDir: FACES });
    for (const id of ids) {
      expect(id.method).toBe('face');
      expect(id.faceGatePhoto).not.toBe(id.faceEnrolPhoto);
      expect(join(id.faceGatePhoto!, '..')).toBe(join(id.faceEnrolPhoto!, '..'));
    }
  });
});

describe('gate photos', () => {
  it('take the mime type from the bytes (a WEBP named .jpg)', async () => {
    const path = join(FACES, 'set-c/person_03/img47.jpg');
    expect(sniffMime(readFileSync(path))).toBe('image/webp');
    expect((await gatePhoto(path)).mime).toBe('image/webp');
    expect((await gatePhoto(join(FACES, 'set-a/amy/amy1.png'))).mime).toBe('image/png');
  });

  it('re-encodes photos too large for one gate message', async () => {
    const photo = await gatePhoto(join(FACES, 'set-c/person_10/img26.jpg'));
    expect(photo.mime).toBe('image/jpeg');
    expect(photo.b64.length).toBeLessThan(2_000_000);
  });

  it('a face gate request carries the gate photo and passes the contract', async () => {
    const sc = scenarioOf({ shoppers: 2, entry: { face: 1, app: 0 } });
    const identities = population(sc, store, 3, { facesDir: join(FACES, 'set-c') });
    const facePhotos = await loadFacePhotos(identities);
    const entries: string[] = [];
    generateTraffic({ scenario: sc, store, seed: 3, identities, facePhotos, onMessage: (m) => {
      if (m.channel !== 'gate/entry') return;
      const d = decodeMessage(m.topic, m.payload);
      expect(d.ok).toBe(true);
      entries.push(m.payload);
    } });
    expect(entries).toHaveLength(2);
    const first = JSON.parse(entries[0]!) as { credential: { kind: string; imageB64: string } };
    expect(first.credential.kind).toBe('face');
    expect(first.credential.imageB64).toBe(facePhotos.get(identities[0]!.customerId)!.b64);
  });
});
