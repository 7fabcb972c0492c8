import type { Client } from '@temporalio/client';
import { grpcUsesProxy, probeAddress } from './addressProbe';
import { DEFAULT_NAMESPACE } from './contracts';

/** Where to reach Temporal; from flags, then DEPLOYER_TEMPORAL_* variables, then the dev server. */
export interface TemporalSettings {
  /** host:port of the gRPC frontend. */
  address: string;
  /**
   * host:port of the same frontend's HTTP API, when known: clients that only run a short workflow
   * (release reads) then go that way, without loading the SDK.
   */
  httpAddress?: string;
  /**
   * The HTTP address was not told but assumed by the dev server's convention (see
   * conventionalHttpAddress): a read that finds no Temporal HTTP API there goes over gRPC instead.
   */
  httpAddressAssumed?: boolean;
  namespace: string;
  apiKey?: string;
  tls?: boolean;
}

export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: env.DEPLOYER_TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: env.DEPLOYER_TEMPORAL_NAMESPACE ?? DEFAULT_NAMESPACE,
    apiKey: env.DEPLOYER_TEMPORAL_API_KEY,
    tls: env.DEPLOYER_TEMPORAL_TLS === 'true' || Boolean(env.DEPLOYER_TEMPORAL_API_KEY),
  };
}

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  return (await openClient(settings)).client;
}

/**
 * A client and the way to close its connection; `connectTimeoutMs` bounds the wait for a server that
 * does not answer. With a timeout (the CLI's case), the address is probed while the client loads
 * (~200 ms of CPU), so a stopped server is reported as soon as the client has loaded, not after gRPC
 * has retried it until the timeout.
 */
export async function openClient(settings: TemporalSettings, connectTimeoutMs?: number): Promise<{ client: Client; close: () => Promise<void> }> {
  const probe = connectTimeoutMs === undefined || grpcUsesProxy() ? undefined : probeAddress(settings.address, connectTimeoutMs);
  // Handled below; until then a refusal must not count as an unhandled rejection.
  probe?.catch(() => undefined);
  const { Client, Connection } = await import('@temporalio/client');
  await probe;
  const connection = await Connection.connect({
    address: settings.address,
    apiKey: settings.apiKey,
    tls: settings.tls ? {} : undefined,
    connectTimeout: connectTimeoutMs,
  });
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}
