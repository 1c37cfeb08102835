import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';

/**
 * One route (or a family of routes): answers and returns true when the request is its own,
 * returns false to let the next handler look. Handlers are tried in registration order.
 */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface HttpServer {
  /** Adds handlers (e.g. a webhook) before or after listen(); later ones are tried last. */
  register(handler: HttpHandler): void;
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Sends a JSON body with the status code; the small helper every handler wants. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The request's path without its query string. */
export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

/**
 * A plain node:http server for operations (health, metrics, webhooks). A handler that throws gets
 * a 500 with one line and a log entry; the daemon keeps running.
 */
export function createHttpServer(opts: { host: string; port: number; log: Logger }): HttpServer {
  const handlers: HttpHandler[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        for (const handler of handlers) if (await handler(req, res)) return;
        sendJson(res, 404, { error: `no route for ${req.method ?? 'GET'} ${pathOf(req)}` });
      } catch (err) {
        opts.log.error({ err: (err as Error).message, path: pathOf(req) }, 'http handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message.split('\n')[0] });
        else res.end();
      }
    })();
  });
  // Keep-alive connections from scrapers must not hold up a graceful stop.
  server.keepAliveTimeout = 5_000;
  return {
    register(handler) {
      handlers.push(handler);
    },
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
