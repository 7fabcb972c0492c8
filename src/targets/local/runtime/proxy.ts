import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RevisionRole } from '../api';
import type { MetricsRecorder } from './metrics';
import type { Replica } from './replica';

// Requests that never reached a replica's application can go to another one safely.
const RETRYABLE_CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A canary's replicas and the percent of requests they take. */
export interface CanaryTargets {
  replicas: Replica[];
  weight: number;
}

/**
 * The component's load balancer: a stable port that spreads requests round-robin over the
 * replicas currently in service and records every request (status, latency, which revision
 * answered) for metrics. With a canary, `weight` percent of requests go to its replicas, like an
 * ALB's weighted target groups.
 */
export class LoadBalancer {
  private readonly server: http.Server;
  private stable: Replica[] = [];
  private canary?: CanaryTargets;
  private next = 0;
  /**
   * Smooth weighting: each request adds the canary's weight, and the canary takes the request when
   * the sum reaches 100. Exactly `weight` in every 100 requests, spread evenly, where a random draw
   * would let a small canary take none or many of a short window's requests.
   */
  private canaryCredit = 0;

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

  /** Replaces the replicas that receive traffic (the traffic shift of a rollout, or a canary step). */
  setTargets(stable: Replica[], canary?: CanaryTargets): void {
    this.stable = stable;
    this.canary = canary && canary.weight > 0 ? canary : undefined;
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

  /** The revision that takes the next request; a group without a healthy replica leaves it to the other. */
  private pick(excluding: Set<Replica>): { replica: Replica; role: RevisionRole } | undefined {
    const healthy = (replicas: Replica[]) => replicas.filter((replica) => replica.state === 'healthy' && !excluding.has(replica));
    const stable = healthy(this.stable);
    const canary = healthy(this.canary?.replicas ?? []);
    let role: RevisionRole = 'stable';
    if (this.canary && excluding.size === 0) {
      this.canaryCredit += this.canary.weight;
      if (this.canaryCredit >= 100) {
        this.canaryCredit -= 100;
        role = 'canary';
      }
    }
    if (role === 'canary' ? canary.length === 0 : stable.length === 0) role = role === 'canary' ? 'stable' : 'canary';
    const candidates = role === 'canary' ? canary : stable;
    if (candidates.length === 0) return undefined;
    this.next = (this.next + 1) % candidates.length;
    return { replica: candidates[this.next]!, role };
  }

  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    const started = Date.now();
    const tried = new Set<Replica>();
    let answeredBy: RevisionRole | undefined;
    response.on('finish', () => this.metrics.recordRequest(response.statusCode, Date.now() - started, answeredBy));

    const attempt = (): void => {
      const picked = this.pick(tried);
      if (!picked) {
        respondError(response, 503, tried.size ? 'no replica could take the request' : 'no healthy replicas');
        return;
      }
      const { replica } = picked;
      answeredBy = picked.role;
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
