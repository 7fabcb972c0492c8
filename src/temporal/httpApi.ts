// Temporal's HTTP API: the frontend's JSON gateway to the same service the gRPC clients use. A CLI
// command that only runs a short workflow (a read of the release log) goes this way: it needs
// nothing but node:http, where the SDK's client costs a third of a second of CPU to load on every run.
// Payloads travel in their full form (base64 of the JSON the SDK's converter reads and writes), not in
// the API's shorthand, which turns an empty list into null on the way in and on the way out.
import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import { hostAndPort } from './addressProbe';

export interface HttpApiSettings {
  /** host:port of the frontend's HTTP API (the dev server's --http-port; 7243 by Temporal's convention). */
  httpAddress: string;
  namespace: string;
  tls?: boolean;
  apiKey?: string;
}

export interface WorkflowRun {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  /** Bounds the workflow server-side: no worker picking it up ends it as timed out. */
  executionTimeoutMs: number;
}

/** How a workflow ended, as its close event says. */
export type WorkflowOutcome =
  | { status: 'completed'; result: unknown }
  | { status: 'failed' | 'timedOut' | 'terminated' | 'canceled' | 'continuedAsNew'; message: string };

/** The server could not be reached, or answered that it cannot serve now (HTTP 502/503/504). */
export class HttpApiUnavailableError extends Error {
  override name = 'HttpApiUnavailableError';
}

/** What answers at the address is not Temporal's HTTP API (another server, or the gRPC port). */
export class NotTheHttpApiError extends Error {
  override name = 'NotTheHttpApiError';
}

/** The frontend's HTTP port by Temporal's convention, for an address that names none. */
const HTTP_DEFAULT_PORT = 7243;

/** How long a connection to the server may take to open. */
const CONNECT_TIMEOUT_MS = 3000;

const CLOSE_EVENTS: Record<string, { status: Exclude<WorkflowOutcome['status'], 'completed'>; attributes: string }> = {
  EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: { status: 'failed', attributes: 'workflowExecutionFailedEventAttributes' },
  EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: { status: 'timedOut', attributes: 'workflowExecutionTimedOutEventAttributes' },
  EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: { status: 'terminated', attributes: 'workflowExecutionTerminatedEventAttributes' },
  EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: { status: 'canceled', attributes: 'workflowExecutionCanceledEventAttributes' },
  EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: { status: 'continuedAsNew', attributes: 'workflowExecutionContinuedAsNewEventAttributes' },
};

interface HistoryEvent {
  eventType: string;
  [attributes: string]: unknown;
}

/** Starts a workflow and waits for its close event (a long poll of its history): the way a short workflow is run to its answer. */
export async function executeWorkflow(settings: HttpApiSettings, run: WorkflowRun): Promise<WorkflowOutcome> {
  const agent = new (settings.tls ? https : http).Agent({ keepAlive: true, maxSockets: 1 });
  const call = (method: string, pathAndQuery: string, body?: unknown) => request(settings, agent, method, pathAndQuery, body, run.executionTimeoutMs + CONNECT_TIMEOUT_MS);
  try {
    const workflowPath = `/api/v1/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(run.workflowId)}`;
    const started = (await call('POST', `${workflowPath}?noPayloadShorthand`, {
      workflowType: { name: run.workflowType },
      taskQueue: { name: run.taskQueue },
      input: { payloads: run.args.map(jsonPayload) },
      workflowExecutionTimeout: `${run.executionTimeoutMs / 1000}s`,
      requestId: randomUUID(),
      identity: `deployer-cli@${process.pid}`,
    })) as { runId: string };
    let pageToken: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ 'execution.runId': started.runId, waitNewEvent: 'true', historyEventFilterType: 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT', noPayloadShorthand: 'true' });
      if (pageToken) query.set('nextPageToken', pageToken);
      const page = (await call('GET', `${workflowPath}/history?${query}`)) as { history?: { events?: HistoryEvent[] }; nextPageToken?: string };
      const closed = page.history?.events?.[0];
      if (closed) return outcome(closed);
      // An empty page: the long poll ended before the workflow did; ask again from where it left off.
      pageToken = page.nextPageToken;
    }
  } finally {
    agent.destroy();
  }
}

interface Payload {
  metadata?: { encoding?: string };
  data?: string;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const unbase64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/** A value as the SDK's default converter writes it: json/plain. */
function jsonPayload(value: unknown): Payload {
  return { metadata: { encoding: base64('json/plain') }, data: base64(JSON.stringify(value)) };
}

/** A json/plain payload's value; a workflow that returned nothing answers binary/null. */
function fromPayload(payload: Payload | undefined): unknown {
  const encoding = unbase64(payload?.metadata?.encoding);
  if (!payload || encoding === 'binary/null') return undefined;
  if (encoding !== 'json/plain') throw new Error(`the workflow answered a payload encoded as ${encoding || 'nothing'}, where JSON was expected`);
  return JSON.parse(unbase64(payload.data));
}

function outcome(event: HistoryEvent): WorkflowOutcome {
  if (event.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED') {
    const { result } = (event.workflowExecutionCompletedEventAttributes ?? {}) as { result?: { payloads?: Payload[] } };
    return { status: 'completed', result: fromPayload(result?.payloads?.[0]) };
  }
  const close = CLOSE_EVENTS[event.eventType];
  if (!close) throw new Error(`Temporal answered with ${event.eventType} where the workflow's close event was expected`);
  const attributes = (event[close.attributes] ?? {}) as { failure?: { message?: string }; reason?: string };
  return { status: close.status, message: attributes.failure?.message ?? attributes.reason ?? event.eventType };
}

function request(settings: HttpApiSettings, agent: http.Agent, method: string, pathAndQuery: string, body: unknown, timeoutMs: number): Promise<unknown> {
  const { host, port } = hostAndPort(settings.httpAddress, HTTP_DEFAULT_PORT);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = (settings.tls ? https : http).request(
      {
        host,
        port,
        method,
        path: pathAndQuery,
        agent,
        timeout: timeoutMs,
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          const answer = parse(text) as { message?: string } | undefined;
          if (status === 502 || status === 503 || status === 504) return reject(new HttpApiUnavailableError(answer?.message ?? `HTTP ${status}`));
          // Temporal answers in JSON, errors included ({code, message}); anything else is another server.
          if (answer === undefined) return reject(notTheHttpApi(settings, `HTTP ${status}${text.trim() ? `: ${text.trim().slice(0, 80)}` : ''}`));
          if (status >= 200 && status < 300) return resolve(answer);
          reject(new Error(`Temporal's HTTP API at ${settings.httpAddress} answered ${status}: ${answer.message ?? text.trim()}`));
        });
      },
    );
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const connectTimer = setTimeout(() => req.destroy(new HttpApiUnavailableError(`no connection within ${CONNECT_TIMEOUT_MS / 1000}s`)), CONNECT_TIMEOUT_MS);
      socket.once('connect', () => clearTimeout(connectTimer));
      socket.once('close', () => clearTimeout(connectTimer));
    });
    req.on('timeout', () => req.destroy(new HttpApiUnavailableError(`no answer within ${Math.round(timeoutMs / 1000)}s`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof HttpApiUnavailableError) return reject(error);
      // An answer that is not HTTP/1.1 at all: most likely the gRPC port given for the HTTP one.
      if (error.code?.startsWith('HPE_')) return reject(notTheHttpApi(settings, `it does not answer HTTP/1.1 (${error.code}); the gRPC port does not serve the HTTP API`));
      reject(new HttpApiUnavailableError(error.code ?? error.message));
    });
    req.end(payload);
  });
}

function notTheHttpApi(settings: HttpApiSettings, detail: string): NotTheHttpApiError {
  return new NotTheHttpApiError(`what answers at ${settings.httpAddress} is not Temporal's HTTP API (${detail}). Give the frontend's HTTP port (its httpPort, 7243 by convention; \`deployer dev status\` shows the dev server's) with --temporal-http-address / DEPLOYER_TEMPORAL_HTTP_ADDRESS.`);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
