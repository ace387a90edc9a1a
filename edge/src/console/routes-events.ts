/** GET /api/events: the live stream (server-sent events) the web UI listens to. */
import type { FastifyPluginAsync } from 'fastify';
import { TeburaError } from '@tebura/contract';
import { ConsoleErrorCodes } from './errors.js';
import type { SseHub } from './sse-hub.js';
import type { SseSink } from './sse-client.js';

export const eventRoutes: FastifyPluginAsync<{ hub: SseHub; clientsMax: number }> = async (app, { hub, clientsMax }) => {
  app.get('/api/events', async (request, reply) => {
    // fastify answers HEAD with the GET handler; a HEAD must not hold a stream slot.
    if (request.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').send();
    if (hub.clientCount >= clientsMax) {
      throw new TeburaError(ConsoleErrorCodes.SSE_FULL, 'unavailable', `at most ${clientsMax} live streams`);
    }
    // From here on we own the socket: fastify must not send a reply of its own.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const sink: SseSink = {
      get pendingBytes() {
        return res.writableLength;
      },
      write: (chunk) => {
        if (!res.writableEnded && !res.destroyed) res.write(chunk);
      },
      end: () => {
        if (!res.writableEnded) res.end();
      },
    };
    const client = hub.add(sink);
    if (!client) {
      // Only reachable if the bound changed between the check and here.
      res.end();
      return;
    }
    res.on('drain', () => client.flush());
    res.on('error', (err) => {
      request.log.info({ err, client: client.id }, 'sse stream error');
      hub.remove(client);
    });
    request.raw.on('close', () => hub.remove(client));
    res.on('close', () => hub.remove(client));
  });
};
