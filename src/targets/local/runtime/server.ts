import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DesiredComponent, LogLine, LogQuery } from '../api';
import { assertAllowed } from './apiAuth';
import { canonicalTimestamp, logMatcher } from './journal';
import { RuntimeRequestError } from './requestError';
import type { LocalRuntime } from './runtime';

type Handler = (match: { key: string; query: URLSearchParams; body: unknown; response: http.ServerResponse }) => Promise<unknown> | unknown;

/**
 * The runtime's HTTP API on loopback, for local clients holding `token` only (see apiAuth.ts).
 * Applies answer when the component runs as desired (or cannot), so a dynamic provider's
 * create/update is one request however long a rollout takes.
 */
export function runtimeServer(runtime: LocalRuntime, token: string): http.Server {
  const routes: Record<string, Handler> = {
    'GET /v1/health': () => ({ ok: true, pid: process.pid }),
    'GET /v1/components': () => runtime.list(),
    'GET /v1/components/:key': async ({ key, query }) => (await (query.get('settled') === 'true' ? runtime.settledState(key) : runtime.state(key))) ?? notFound(key),
    'PUT /v1/components/:key': ({ key, body }) => runtime.apply(key, body as DesiredComponent),
    'DELETE /v1/components/:key': async ({ key }) => ({ deleted: await runtime.remove(key) }),
    'POST /v1/components/:key/scale': ({ key, body }) => {
      const { replicas, reason } = body as { replicas?: unknown; reason?: unknown };
      if (!Number.isInteger(replicas) || (replicas as number) < 0) throw new RuntimeRequestError(400, 'replicas must be a whole number, 0 or more');
      return runtime.scale(key, replicas as number, typeof reason === 'string' ? reason : 'changed outside deployer');
    },
    'GET /v1/components/:key/logs': ({ key, query, response }) => {
      const logQuery: LogQuery = {
        since: sinceParam(query),
        filter: query.get('filter') ?? undefined,
        search: query.get('search') ?? undefined,
        limit: query.has('limit') ? Number(query.get('limit')) : undefined,
      };
      if (query.get('follow') !== 'true') return runtime.logs(key, logQuery);
      return followLogs(runtime, key, logQuery, response);
    },
    'GET /v1/components/:key/events': ({ key, query }) => runtime.events(key, sinceParam(query)),
    'GET /v1/components/:key/health': ({ key }) => runtime.health(key),
    'GET /v1/components/:key/metrics': ({ key, query }) => runtime.metrics(key, new Date(sinceParam(query) ?? Date.now() - 3600_000)),
    'GET /v1/components/:key/exec': ({ key, query }) => runtime.execTarget(key, query.get('replica') ?? undefined),
  };

  const handle = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://runtime');
      const parts = url.pathname.split('/').filter(Boolean);
      const key = parts[2] ? decodeURIComponent(parts[2]) : '';
      const pattern = ['', ...parts.map((part, index) => (index === 2 ? ':key' : part))].join('/');
      const handler = routes[`${request.method} ${pattern}`];
      assertAllowed(request, token);
      if (!handler) throw new RuntimeRequestError(404, `no route ${request.method} ${url.pathname}`);
      const body = await readJson(request);
      const result = await handler({ key, query: url.searchParams, body, response });
      if (result !== undefined) sendJson(response, 200, result);
    } catch (error) {
      const status = error instanceof RuntimeRequestError ? error.status : 500;
      if (status === 401) response.setHeader('www-authenticate', 'Bearer');
      if (!response.headersSent) sendJson(response, status, { error: (error as Error).message });
      else response.end();
    }
  };
  // Node does not wait for a request listener: `handle` answers every request itself, its failures
  // included, so nothing is left to await.
  const server = http.createServer((request, response) => void handle(request, response));
  // Rollouts may take minutes; the defaults would cut the request off.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

/**
 * The backlog, then every new matching line as it is written. Subscribing in the same tick as the
 * backlog's files are opened means no line is missed or sent twice; lines written while the backlog
 * is read wait for it.
 */
async function followLogs(runtime: LocalRuntime, key: string, query: LogQuery, response: http.ServerResponse): Promise<void> {
  const matches = logMatcher({ ...query, since: undefined });
  const send = (line: LogLine) => response.write(`${JSON.stringify(line)}\n`);
  let waiting: LogLine[] | undefined = [];
  const unsubscribe = runtime.followLogs(key, (line) => {
    if (!matches(line)) return;
    if (waiting) waiting.push(line);
    else send(line);
  });
  response.on('close', unsubscribe);
  const backlog = await runtime.logs(key, query).catch((error: unknown) => {
    unsubscribe();
    throw error;
  });
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of [...backlog, ...waiting]) send(line);
  waiting = undefined;
}

/** `since` as given, checked: an unreadable one is the caller's mistake (400), not a reason to return nothing. */
function sinceParam(query: URLSearchParams): string | undefined {
  const since = query.get('since') ?? undefined;
  if (since === undefined) return undefined;
  try {
    canonicalTimestamp(since);
  } catch (error) {
    throw new RuntimeRequestError(400, `since: ${(error as Error).message}`);
  }
  return since;
}

function notFound(key: string): never {
  throw new RuntimeRequestError(404, `no component ${key} runs on the local target`);
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new RuntimeRequestError(400, 'the request body is not JSON');
  }
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export function listeningPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
