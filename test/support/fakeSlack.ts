import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

/** One request the fake Slack received: a Web API method (`chat.postMessage`) or a response_url path. */
export interface RecordedCall {
  path: string;
  /** The Web API method for `/api/<method>`, else undefined. */
  method?: string;
  /** The body, form or JSON; form values that are JSON (blocks) are parsed. */
  body: Record<string, unknown>;
  authorization?: string;
}

/**
 * A stand-in for Slack's side on loopback: the Web API under `/api/`, response URLs anywhere else,
 * and Socket Mode's WebSocket at `/socket` (what `apps.connections.open` hands out). Records every
 * request and answers `ok: true`, so tests read what the app and the notifier sent.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** What Socket Mode clients sent back over the socket (acknowledgements), oldest first. */
  readonly socketMessages: { envelope_id: string; payload?: Record<string, unknown> }[] = [];
  private readonly server = http.createServer((request, response) => this.handle(request, response));
  private readonly sockets = new WebSocketServer({ server: this.server, path: '/socket' });
  private readonly waiters = new Set<() => void>();

  constructor() {
    this.sockets.on('connection', (socket) => {
      socket.on('message', (data) => {
        this.socketMessages.push(JSON.parse(String(data)) as { envelope_id: string });
        this.wakeAll();
      });
      // Slack's handshake: the client counts as connected once it reads hello.
      socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0DEPLOYER' } }));
      this.wakeAll();
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What the Web API client takes as `slackApiUrl`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /**
   * Sends an envelope to the connected Socket Mode client as Slack does (`interactive` for button
   * clicks, `slash_commands` for commands) and resolves with the client's acknowledgement.
   */
  async sendEnvelope(type: 'interactive' | 'slash_commands', payload: Record<string, unknown>, timeoutMs = 30_000): Promise<{ envelope_id: string; payload?: Record<string, unknown> }> {
    const [socket] = [...this.sockets.clients].filter((client) => client.readyState === WebSocket.OPEN);
    if (!socket) throw new Error('no Socket Mode client is connected to the fake Slack');
    const envelopeId = crypto.randomUUID();
    socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type === 'slash_commands' }));
    await this.until(() => this.socketMessages.some((message) => message.envelope_id === envelopeId), timeoutMs, `no acknowledgement of envelope ${envelopeId}`);
    return this.socketMessages.find((message) => message.envelope_id === envelopeId)!;
  }

  /** Calls of one Web API method, oldest first. */
  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The first recorded call, from `from` on, that satisfies `matches`; waits for it up to `timeoutMs`. */
  async waitFor(matches: (call: RecordedCall) => boolean, timeoutMs = 60_000, from = 0): Promise<RecordedCall> {
    const found = () => this.calls.slice(from).find(matches);
    await this.until(() => found() !== undefined, timeoutMs, 'no matching call');
    return found()!;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets.clients) socket.terminate();
    await new Promise<void>((resolve) => this.sockets.close(() => resolve()));
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** Waits, woken by every request or socket message, until `done` holds, or fails after `timeoutMs`. */
  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (done()) return;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the fake Slack received ${what} in ${timeoutMs} ms; it received:\n${this.calls.map((call) => `${call.path} ${JSON.stringify(call.body).slice(0, 300)}`).join('\n')}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  private handle(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(request.url ?? '/', this.url).pathname;
      this.calls.push({
        path,
        method: path.startsWith('/api/') ? path.slice('/api/'.length) : undefined,
        body: parseBody(raw, request.headers['content-type'] ?? ''),
        authorization: request.headers.authorization,
      });
      const answer = path === '/api/apps.connections.open' ? { ok: true, url: `${this.url.replace('http:', 'ws:')}/socket` } : { ok: true };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
      this.wakeAll();
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return body;
}

/**
 * POSTs a form body to the Slack app as Slack does: X-Slack-Request-Timestamp and the v0 signature,
 * HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret.
 */
export async function postSigned(url: string, form: Record<string, string>, signingSecret: string, options: { timestamp?: number; signature?: string } = {}): Promise<Response> {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? `v0=${crypto.createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature },
    body,
  });
}
