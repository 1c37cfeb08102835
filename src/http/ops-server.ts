import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { FetchStatus } from '../ingress/fetch-status.js';
import type { Logger } from '../log.js';
import type { Db } from '../store/db.js';
import { healthHandler } from './health.js';
import type { GatewayMetrics } from './metrics.js';
import { createHttpServer, type HttpServer } from './server.js';

/**
 * The gateway's HTTP side when HEALTH_PORT is set: /healthz, /metrics, and whatever other modules
 * register (webhooks). A port that cannot be bound is one error line; mail keeps flowing.
 */
export function startOpsServer(opts: { config: Config; db: Db; log: Logger; metrics: GatewayMetrics; statuses: () => FetchStatus[] }): { server: HttpServer; address: Promise<AddressInfo | undefined> } | undefined {
  const { config, log } = opts;
  if (!config.health) return undefined;
  const server = createHttpServer({ host: config.health.host, port: config.health.port, log });
  server.register(healthHandler(opts.db, opts.statuses, config.fetchStallMinutes));
  server.register(opts.metrics.handler());
  const address = server.listen().then(
    (addr) => {
      log.info({ health: `http://${addr.address}:${addr.port}/healthz`, metrics: `http://${addr.address}:${addr.port}/metrics` }, 'health server listening');
      return addr;
    },
    (err: unknown) => {
      log.error({ err: (err as Error).message }, `HEALTH_PORT ${config.health?.port ?? ''}: cannot listen on ${config.health?.host ?? ''}: ${(err as Error).message}`);
      return undefined;
    },
  );
  return { server, address };
}
