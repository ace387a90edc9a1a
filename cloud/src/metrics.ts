/** Prometheus metrics, one registry per app so several apps can live in one test process. */
import { Counter, Histogram, Registry } from 'prom-client';

export interface CloudMetrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpErrors: Counter<'code'>;
  ingested: Counter<'kind' | 'status'>;
  paymentOps: Counter<'op' | 'outcome'>;
  ingestSeconds: Histogram<'kind'>;
}

export function createMetrics(): CloudMetrics {
  const registry = new Registry();
  return {
    registry,
    httpRequests: new Counter({ name: 'tebura_cloud_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpErrors: new Counter({ name: 'tebura_cloud_http_errors_total', help: 'HTTP error answers by stable code', labelNames: ['code'], registers: [registry] }),
    ingested: new Counter({ name: 'tebura_cloud_records_total', help: 'Ingested records by kind and created/exists', labelNames: ['kind', 'status'], registers: [registry] }),
    paymentOps: new Counter({ name: 'tebura_cloud_payment_ops_total', help: 'Payment provider calls by outcome', labelNames: ['op', 'outcome'], registers: [registry] }),
    ingestSeconds: new Histogram({
      name: 'tebura_cloud_ingest_seconds',
      help: 'Time to ingest one record including payment',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
  };
}
