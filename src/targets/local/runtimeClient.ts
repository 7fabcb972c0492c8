import http from 'node:http';
import { RuntimeEndpoint, runtimeEndpoint } from './endpoint';
import { RuntimeRequestFailed, RuntimeUnavailableError } from '../../errors';

/**
 * Talks to the local runtime found through `<state>/local/runtime.json` and its token file, read on
 * every request so a restarted runtime (on a new port, with a new token) is found again.
 */
export class RuntimeClient {
  static connect(): RuntimeClient {
    const client = new RuntimeClient();
    client.endpoint();
    return client;
  }

  private endpoint(): RuntimeEndpoint {
    const endpoint = runtimeEndpoint();
    if (!endpoint) throw new RuntimeUnavailableError('the local runtime is not running; start it with `deployer dev start`');
    return endpoint;
  }

  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { url, token } = this.endpoint();
    const headers = { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) };
    return new Promise((resolve, reject) => {
      const request = http.request(`${url}${path}`, { method, headers }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const parsed = text ? (JSON.parse(text) as T & { error?: string }) : ({} as T & { error?: string });
          if (response.statusCode === 200) resolve(parsed);
          else reject(new RuntimeRequestFailed(response.statusCode ?? 0, parsed.error ?? `the local runtime answered ${response.statusCode}`));
        });
      });
      request.on('error', (error) => reject(new RuntimeUnavailableError(`the local runtime at ${url} did not answer (${error.message}); restart it with \`deployer dev stop && deployer dev start\``)));
      request.end(payload);
    });
  }

  /** Reads a newline-delimited JSON stream until the signal aborts it. */
  stream<T>(path: string, onItem: (item: T) => void, signal: AbortSignal): Promise<void> {
    const { url, token } = this.endpoint();
    return new Promise((resolve, reject) => {
      const request = http.get(`${url}${path}`, { signal, headers: { authorization: `Bearer ${token}` } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new RuntimeRequestFailed(response.statusCode ?? 0, `the local runtime answered ${response.statusCode}`));
          return;
        }
        let pending = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) if (line) onItem(JSON.parse(line) as T);
        });
        response.on('end', () => resolve());
        response.on('error', () => resolve());
      });
      request.on('error', (error) => (signal.aborted ? resolve() : reject(error)));
    });
  }
}
