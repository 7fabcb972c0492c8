import fs from 'node:fs';
import path from 'node:path';
import { localRuntimeHome } from '../../paths';

/** Where the running local runtime says it listens: `{ url, pid }`. */
export function runtimeEndpointFile(): string {
  return path.join(localRuntimeHome(), 'local', 'runtime.json');
}

/** The runtime's API token: owner-only, new at every runtime start, sent as `Authorization: Bearer`. */
export function runtimeTokenFile(): string {
  return path.join(localRuntimeHome(), 'local', 'runtime.token');
}

export interface RuntimeEndpoint {
  url: string;
  token: string;
}

/**
 * The running runtime's address and token, or undefined when it does not run. Read on every call:
 * a restarted runtime listens on a new port with a new token.
 */
export function runtimeEndpoint(): RuntimeEndpoint | undefined {
  try {
    const { url } = JSON.parse(fs.readFileSync(runtimeEndpointFile(), 'utf8')) as { url: string };
    return { url, token: fs.readFileSync(runtimeTokenFile(), 'utf8') };
  } catch {
    return undefined;
  }
}
