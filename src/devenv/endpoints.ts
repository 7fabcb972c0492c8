import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../paths';
import { hostAndPort } from '../temporal/addressProbe';
import { DEFAULT_NAMESPACE } from '../temporal/contracts';

// Where the local dev environment listens, readable without loading Temporal (CLI start-up time).

/** Where the dev environment listens; recorded in `<state>/dev.json` so every client finds it. */
export interface DevEndpoints {
  temporalAddress: string;
  /** The same server's HTTP API; absent in what a deployer from before it recorded. */
  temporalHttpAddress?: string;
  uiUrl: string;
  namespace: string;
}

export function devDir(): string {
  return path.join(stateDir(), 'dev');
}

export function endpointsFile(): string {
  return path.join(devDir(), 'dev.json');
}

/** Endpoints of the dev environment: as recorded by the last start, else the usual ports. */
export function devEndpoints(): DevEndpoints {
  try {
    return JSON.parse(fs.readFileSync(endpointsFile(), 'utf8')) as DevEndpoints;
  } catch {
    return defaultEndpoints(7233, 8233);
  }
}

export function defaultEndpoints(port: number, uiPort: number, httpPort?: number): DevEndpoints {
  return {
    temporalAddress: `127.0.0.1:${port}`,
    ...(httpPort === undefined ? {} : { temporalHttpAddress: `127.0.0.1:${httpPort}` }),
    uiUrl: `http://127.0.0.1:${uiPort}`,
    namespace: DEFAULT_NAMESPACE,
  };
}

/** `dev start` opens Temporal's HTTP API this far above its gRPC port when it is free (7233 -> 7243, Temporal's own pair). */
export const HTTP_PORT_OFFSET = 10;

/**
 * Where a Temporal on this machine has its HTTP API by that convention, for a loopback gRPC address
 * only: another machine's is never guessed, where a port that drops packets would cost a connect
 * timeout. Lets a CLI with an empty DEPLOYER_HOME read through the dev server's HTTP API too.
 */
export function conventionalHttpAddress(grpcAddress: string): string | undefined {
  const { host, port } = hostAndPort(grpcAddress);
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host);
  if (!loopback || port + HTTP_PORT_OFFSET > 65535) return undefined;
  return `${host.includes(':') ? `[${host}]` : host}:${port + HTTP_PORT_OFFSET}`;
}
