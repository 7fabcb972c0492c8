import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsRecorder } from './metrics';
import type { Replica } from './replica';

// Requests that never reached a replica's application can go to another one safely.
const RETRYABLE_CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The component's load balancer: a stable port that spreads requests round-robin over the
 * replicas currently in service and records every request (status, latency) for metrics.
 */
export class LoadBalancer {
  private readonly server: http.Server;
  private targets: Replica[] = [];
  private next = 0;

  constructor(private readonly metrics: MetricsRecorder) {
    this.server = http.createServer((request, response) => this.forward(request, response));
    this.server.keepAliveTimeout = 5000;
  }

  /** Listens on `port` (the one recorded for the component), or a free one when it is 0 or taken. */
  async listen(port: number): Promise<number> {
    try {
      return await this.listenOn(port);
    } catch (error) {
      if (port === 0 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      return this.listenOn(0);
    }
  }

  /** Replaces the set of replicas that receive traffic (the traffic shift of a rollout). */
  setTargets(replicas: Replica[]): void {
    this.targets = replicas;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }

  private listenOn(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  private pick(excluding: Set<Replica>): Replica | undefined {
    const candidates = this.targets.filter((replica) => replica.state === 'healthy' && !excluding.has(replica));
    if (candidates.length === 0) return undefined;
    this.next = (this.next + 1) % candidates.length;
    return candidates[this.next];
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const started = Date.now();
    const tried = new Set<Replica>();
    response.on('finish', () => this.metrics.recordRequest(response.statusCode, Date.now() - started));

    const attempt = (): void => {
      const replica = this.pick(tried);
      if (!replica) {
        respondError(response, 503, tried.size ? 'no replica could take the request' : 'no healthy replicas');
        return;
      }
      tried.add(replica);
      replica.inFlight += 1;
      let released = false;
      const release = () => {
        if (!released) replica.inFlight -= 1;
        released = true;
      };
      const upstream = http.request(
        // A fresh connection per request: a replica being stopped never gets a reused socket.
        { host: '127.0.0.1', port: replica.port, method: request.method, path: request.url, headers: request.headers, agent: false },
        (reply) => {
          response.writeHead(reply.statusCode ?? 502, { ...reply.headers, 'x-deployer-replica': replica.id });
          reply.pipe(response);
          reply.on('end', release);
          reply.on('error', release);
        },
      );
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        release();
        if (response.headersSent) {
          response.destroy(error);
        } else if (RETRYABLE_CONNECT_ERRORS.has(error.code ?? '') && IDEMPOTENT_METHODS.has(request.method ?? '')) {
          attempt();
        } else {
          respondError(response, 502, `replica ${replica.id} failed: ${error.message}`);
        }
      });
      if (IDEMPOTENT_METHODS.has(request.method ?? '')) upstream.end();
      else request.pipe(upstream);
    };
    attempt();
  }
}

function respondError(response: http.ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: message }));
}
