import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { runtimeEndpointFile, runtimeTokenFile } from '../../src/targets/local/endpoint';
import { issueApiToken } from '../../src/targets/local/runtime/apiAuth';
import { RuntimeRequestError } from '../../src/targets/local/runtime/requestError';
import type { LocalRuntime } from '../../src/targets/local/runtime/runtime';
import { listeningPort, runtimeServer } from '../../src/targets/local/runtime/server';
import { RuntimeClient } from '../../src/targets/local/runtimeClient';
import { RuntimeRequestFailed } from '../../src/errors';

// The runtime's API on loopback is reachable by every user of the machine and every web page in its
// browsers: only a local client holding the token may use it.
describe('local runtime API authentication', () => {
  let home: string;
  let previousHome: string | undefined;
  let server: http.Server;
  let port: number;
  let token: string;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-runtime-auth-'));
    previousHome = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = home;
    fs.mkdirSync(path.join(home, 'local'));
    // A runtime that runs nothing: what is tested is what reaches it.
    const runtime = {
      list: async () => [],
      scale: async (key: string) => {
        throw new RuntimeRequestError(404, `no component ${key} runs on the local target`);
      },
    } as unknown as LocalRuntime;
    token = issueApiToken(runtimeTokenFile());
    server = runtimeServer(runtime, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = listeningPort(server);
    fs.writeFileSync(runtimeEndpointFile(), JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid }));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    process.env.DEPLOYER_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
  });

  function send(method: string, requestPath: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const request = http.request({ host: '127.0.0.1', port, method, path: requestPath, headers, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  const host = () => `127.0.0.1:${port}`;
  const bearer = () => `Bearer ${token}`;
  const scale = '/v1/components/user-platform.development.notification-service.api/scale';

  it('keeps the token in a file only its owner can read, and issues a new one at every start', () => {
    expect(fs.statSync(runtimeTokenFile()).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(runtimeTokenFile(), 'utf8')).toBe(token);
    const scratch = path.join(home, 'scratch.token');
    const first = issueApiToken(scratch);
    const second = issueApiToken(scratch);
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[\w-]{43}$/);
    expect(fs.readFileSync(scratch, 'utf8')).toBe(second);
    expect(fs.statSync(scratch).mode & 0o777).toBe(0o600);
  });

  it('refuses a request without the token, or with a wrong one (401)', async () => {
    const missing = await send('GET', '/v1/components', { host: host() });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(missing.body).error).toMatch(/lacks the runtime token/);
    expect((await send('GET', '/v1/components', { host: host(), authorization: `Bearer ${token.slice(1)}x` })).status).toBe(401);
    expect((await send('GET', '/v1/components', { host: host(), authorization: token })).status).toBe(401);
    expect((await send('DELETE', '/v1/components/user-platform.development.notification-service.api', { host: host(), authorization: 'Bearer ' })).status).toBe(401);
  });

  it('refuses a Host other than this runtime on loopback, as a DNS-rebound page sends (403)', async () => {
    for (const foreign of [`evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.evil.example:${port}`]) {
      const reply = await send('GET', '/v1/components', { host: foreign, authorization: bearer() });
      expect({ foreign, status: reply.status }).toEqual({ foreign, status: 403 });
    }
    for (const loopback of [`localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await send('GET', '/v1/components', { host: loopback, authorization: bearer() })).status).toBe(200);
    }
  });

  it('refuses any request from a browser page, which carries an Origin header (403)', async () => {
    const reply = await send('GET', '/v1/components', { host: host(), authorization: bearer(), origin: 'https://evil.example' });
    expect(reply.status).toBe(403);
    expect((await send('GET', '/v1/components', { host: host(), authorization: bearer(), origin: 'null' })).status).toBe(403);
  });

  it('refuses POST and PUT bodies that are not JSON, as a cross-site form posts them (415)', async () => {
    const body = JSON.stringify({ replicas: 9 });
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const reply = await send('POST', scale, { host: host(), authorization: bearer(), 'content-type': contentType }, body);
      expect({ contentType, status: reply.status }).toEqual({ contentType, status: 415 });
    }
    expect((await send('POST', scale, { host: host(), authorization: bearer() }, body)).status).toBe(415);
    expect((await send('PUT', '/v1/components/user-platform.development.notification-service.api', { host: host(), authorization: bearer(), 'content-type': 'text/plain' }, '{}')).status).toBe(415);
  });

  it('serves a client that reads the address and token from their files', async () => {
    const client = RuntimeClient.connect();
    expect(await client.request('GET', '/v1/components')).toEqual([]);
    // A JSON body passes the checks and reaches the runtime, which knows no such component.
    const error = await client.request('POST', scale, { replicas: 3, reason: 'test' }).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(RuntimeRequestFailed);
    expect((error as RuntimeRequestFailed).status).toBe(404);
    expect((await send('POST', scale, { host: host(), authorization: bearer(), 'content-type': 'application/json; charset=utf-8' }, '{"replicas":3}')).status).toBe(404);
  });
});
