/** GallerySync against a scripted fetch: a face template of another layout (length) never enters the gallery. */
import { FACE_TEMPLATE } from '@tebura/contract';
import { Gallery } from '@tebura/models';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { GallerySync } from './gallery-sync.js';

const unit = (n: number, seed: number): number[] => {
  const v = Array.from({ length: n }, (_, i) => Math.sin(seed * 13 + i));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

describe('GallerySync', () => {
  it('applies current face templates and refuses a version 1 (1024-D) one with E_GALLERY_DIM, logged with its code', async () => {
    const face = new Gallery({ dim: FACE_TEMPLATE.dim, sizeMax: 10 });
    const warnings: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'silent' });
    log.warn = ((o: Record<string, unknown>) => warnings.push(o)) as typeof log.warn;
    const page = {
      version: 3, more: false, deletions: [],
      enrolments: [
        { customerId: 'c-new', kind: 'face', vector: unit(FACE_TEMPLATE.dim, 1), version: 1 },
        { customerId: 'c-old', kind: 'face', vector: unit(1024, 2), version: 2 },
      ],
    };
    const fetchImpl = (async () => new Response(JSON.stringify(page), { status: 200 })) as typeof fetch;
    const s = new GallerySync({ storeId: 'st1', cloud: { url: 'http://cloud.test', apiKey: 'k' }, galleries: { face }, intervalMs: 1000, timeoutMs: 1000, log, fetch: fetchImpl });
    try {
      await s.pullNow();
      expect([face.has('c-new'), face.has('c-old'), face.size]).toEqual([true, false, 1]);
      expect(warnings).toEqual([expect.objectContaining({ customerId: 'c-old', kind: 'face', code: 'E_GALLERY_DIM', err: `vector has 1024 dims, gallery ${FACE_TEMPLATE.dim}` })]);
    } finally {
      await face.close();
    }
  });
});
