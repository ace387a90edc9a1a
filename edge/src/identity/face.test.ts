/** The face matcher end to end on real photos (../shared/data/faces/set-c). */
import { readFileSync } from 'node:fs';
import { FACE_TEMPLATE, type Credential } from '@tebura/contract';
import { Gallery, loadFacePipeline, type FacePipeline } from '@tebura/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceMatcher } from './face.js';

const SETC = new URL('../../../../shared/data/faces/set-c/', import.meta.url);
const photo = (rel: string): Buffer => readFileSync(new URL(rel, SETC));
const cred = (rel: string): Credential => ({ kind: 'face', mime: 'image/jpeg', imageB64: photo(rel).toString('base64') });

const ENROL: Record<string, string> = {
  'cust-01': 'person_01/img1.jpg',
  'cust-04': 'person_04/img13.jpg',
  'cust-10': 'person_10/img26.jpg',
  'cust-12': 'person_12/img34.jpg',
};

let pipeline: FacePipeline;
let gallery: Gallery;

beforeAll(async () => {
  pipeline = await loadFacePipeline({ intraOpThreads: 1 });
  expect(pipeline.dim).toBe(FACE_TEMPLATE.dim);
  gallery = new Gallery({ dim: pipeline.dim, sizeMax: 100, precision: 'f32' });
  for (const [id, rel] of Object.entries(ENROL)) {
    const r = await pipeline.embed(photo(rel));
    if (!r.ok) throw new Error(`enrol ${rel}: ${r.reason}`);
    gallery.upsert(id, r.embedding, 1);
  }
}, 120_000);
afterAll(async () => {
  await gallery.close();
  await pipeline.close();
});

describe('face matcher', () => {
  it('admits enrolled people from other photos of them', async () => {
    const m = createFaceMatcher({ gallery, pipeline });
    for (const [id, rel] of [['cust-01', 'person_01/img2.jpg'], ['cust-04', 'person_04/img14.jpg'], ['cust-10', 'person_10/img42.jpg'], ['cust-12', 'person_12/img35.jpg']] as const) {
      expect(await m.identify(cred(rel), 0), rel).toMatchObject({ ok: true, customerId: id });
    }
  });

  it('denies people who are not enrolled as UNKNOWN_PERSON', async () => {
    const m = createFaceMatcher({ gallery, pipeline });
    for (const rel of ['person_02/img3.jpg', 'person_05/img16.jpg', 'person_11/img29.jpg']) {
      expect(await m.identify(cred(rel), 0), rel).toMatchObject({ ok: false, reason: 'UNKNOWN_PERSON' });
    }
  });

  it('passes pipeline denials through with their reason', async () => {
    const m = createFaceMatcher({ gallery, pipeline });
    expect(await m.identify(cred('_unlabelled/couple.jpg'), 0)).toMatchObject({ ok: false, reason: 'MULTIPLE_FACES' });
  });

  it('never throws on bad input or a failing pipeline', async () => {
    const m = createFaceMatcher({ gallery, pipeline });
    expect(await m.identify({ kind: 'app', token: 't' }, 0)).toMatchObject({ ok: false, reason: 'METHOD_NOT_SUPPORTED' });
    expect(await m.identify({ kind: 'face', mime: 'image/jpeg', imageB64: '!!not base64!!' }, 0)).toMatchObject({ ok: false, reason: 'LOW_QUALITY' });
    const broken = createFaceMatcher({ gallery, pipeline: { embed: () => Promise.reject(new Error('session gone')) } });
    expect(await broken.identify(cred('person_01/img2.jpg'), 0)).toMatchObject({ ok: false, reason: 'INTERNAL_ERROR', detail: 'session gone' });
    const wrongDim = createFaceMatcher({ gallery, pipeline: { embed: () => Promise.resolve({ ok: true, embedding: new Float32Array(3), quality: { detectorScore: 1, eyeDistancePx: 50, faceLuma: 100, sharpness: 500, liveness: 1, faces: 1 } }) } });
    expect(await wrongDim.identify(cred('person_01/img2.jpg'), 0)).toMatchObject({ ok: false, reason: 'INTERNAL_ERROR', detail: `E_GALLERY_DIM: face template has 3 values, the gallery ${FACE_TEMPLATE.dim}` });
  });
});
