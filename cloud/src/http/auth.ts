/**
 * Bearer credentials. Keys are looked up by their SHA-256, so the comparison
 * never walks the secret itself byte by byte.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TeburaError } from '@tebura/contract';
import type { CloudConfig } from '../config.js';
import { CloudErrors } from '../errors.js';

export type Principal = { kind: 'admin' } | { kind: 'store'; storeId: string };

function sha(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export class Authenticator {
  private readonly byHash = new Map<string, Principal>();

  constructor(cfg: CloudConfig) {
    this.byHash.set(sha(cfg.adminKey), { kind: 'admin' });
    for (const s of cfg.stores) this.byHash.set(sha(s.apiKey), { kind: 'store', storeId: s.storeId });
  }

  principal(req: FastifyRequest): Principal {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer (\S+)$/.exec(h) : null;
    const p = m?.[1] === undefined ? undefined : this.byHash.get(sha(m[1]));
    if (p === undefined) throw new TeburaError(CloudErrors.UNAUTHORIZED, 'unauthorized', 'missing or unknown bearer key');
    return p;
  }

  admin(req: FastifyRequest): void {
    if (this.principal(req).kind !== 'admin') throw new TeburaError(CloudErrors.FORBIDDEN, 'forbidden', 'admin key required');
  }

  /** The store key must belong to the store named in the path. */
  store(req: FastifyRequest, storeId: string): void {
    const p = this.principal(req);
    if (p.kind !== 'store' || p.storeId !== storeId) throw new TeburaError(CloudErrors.FORBIDDEN, 'forbidden', `key may not act for store ${storeId}`);
  }

  adminOrStore(req: FastifyRequest): Principal {
    return this.principal(req);
  }
}
