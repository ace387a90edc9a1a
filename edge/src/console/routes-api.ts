/** REST routes of the console: read views of the node, and resolving a review. */
import type { FastifyPluginAsync } from 'fastify';
import type { ConsoleSource, ReviewResolution } from './source.js';
import type { ConsoleCounters } from './counters.js';
import type { SseHub } from './sse-hub.js';
import { storeView } from './store-view.js';
import {
  ErrorBody,
  RECEIPTS_LIMIT_DEFAULT,
  ReceiptsQuery,
  ReviewIdParams,
  ReviewResolutionBody,
  ReviewsQuery,
} from './schemas.js';

export interface ApiRoutesOptions {
  source: ConsoleSource;
  counters: ConsoleCounters;
  hub: SseHub;
}

const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody } as const;

export const apiRoutes: FastifyPluginAsync<ApiRoutesOptions> = async (app, { source, counters, hub }) => {
  app.get('/healthz', async () => ({ status: 'ok', storeId: source.storeId, sseClients: hub.clientCount }));

  app.get('/api/store', async () => storeView(source.layout()));

  app.get('/api/carts', async () => ({ carts: source.carts() }));

  app.get<{ Querystring: ReceiptsQuery }>('/api/receipts', { schema: { querystring: ReceiptsQuery, response: { 400: ErrorBody } } }, async (req) => ({
    receipts: source.receipts(req.query.limit ?? RECEIPTS_LIMIT_DEFAULT),
  }));

  app.get<{ Querystring: ReviewsQuery }>('/api/reviews', { schema: { querystring: ReviewsQuery, response: { 400: ErrorBody } } }, async (req) => ({
    reviews: source.reviews(req.query.status ?? 'open'),
  }));

  app.post<{ Params: ReviewIdParams; Body: ReviewResolutionBody }>(
    '/api/reviews/:id/resolve',
    { schema: { params: ReviewIdParams, body: ReviewResolutionBody, response: errors } },
    async (req) => {
      const resolution: ReviewResolution = req.body;
      // The source throws TeburaError (E_NOT_FOUND, E_REVIEW_CLOSED ...); the
      // error handler maps its kind to 404 / 409.
      const item = source.resolveReview(req.params.id, resolution);
      counters.inc('reviews_resolved');
      req.log.info({ reviewId: req.params.id, resolvedBy: resolution.resolvedBy }, 'review resolved from console');
      return { review: item };
    },
  );

  app.get('/api/devices', async () => ({ devices: source.devices() }));

  app.get('/api/people', async () => ({ people: source.people() }));

  app.get('/api/plates', async () => ({ grams: source.plateWeights() }));

  app.get('/api/stats', async () => ({ stats: { ...source.stats(), ...counters.toRecord() } }));
};
