// The watch's HTTP endpoint for --metrics: /metrics in Prometheus' text format, /healthz, on one address only.

import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** What the server serves: the metrics object of the watch (metrics.ts), behind this interface. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
  health(): { ok: boolean; text: string };
}

/**
 * `127.0.0.1:9365`, `[::1]:9365`, `0.0.0.0:9365`: an IP address (a name could resolve to several, or to
 * another one tomorrow) and a port, 0 for any free one. null when it is neither.
 */
export function parseListenAddress(text: string): ListenAddress | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  const family = isIP(host);
  if (port > 65535 || family === 0 || (m[1] !== undefined && family !== 6)) return null;
  return { host, port };
}

export const formatListenAddress = (a: ListenAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/** Listening once this resolves (with the port bound, should 0 have been asked); rejects when it cannot (EADDRINUSE). */
export function serveMetrics(at: ListenAddress, source: MetricsSource): Promise<{ server: Server; address: ListenAddress }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain; charset=utf-8', allow: 'GET, HEAD' }).end('method not allowed\n');
    } else if (path === '/metrics') {
      source.metrics().then(
        (text) => res.writeHead(200, { 'content-type': source.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (e: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`${e.message}\n`),
      );
    } else if (path === '/healthz') {
      const h = source.health();
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' }).end(`${h.text}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: /metrics or /healthz\n');
    }
  });
  // A scraper that keeps its connection open must not hold the watch's exit.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // exclusive: never a port shared with a cluster's other workers; ipv6Only: `[::]` means IPv6 alone.
    server.listen({ host: at.host, port: at.port, exclusive: true, ipv6Only: at.host.includes(':') }, () => {
      server.off('error', reject);
      const bound = server.address();
      resolve({ server, address: { host: at.host, port: typeof bound === 'object' && bound ? bound.port : at.port } });
    });
  });
}

/** Stops listening and drops idle scrapers' connections. */
export function closeMetrics(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
