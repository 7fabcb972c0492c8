import { Client, Connection } from '@temporalio/client';
import { DEFAULT_NAMESPACE } from './contracts';

/** Where to reach Temporal; from flags, then DEPLOYER_TEMPORAL_* variables, then the dev server. */
export interface TemporalSettings {
  address: string;
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

/** A client and the way to close its connection; `connectTimeoutMs` bounds the wait for a server that does not answer. */
export async function openClient(settings: TemporalSettings, connectTimeoutMs?: number): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({
    address: settings.address,
    apiKey: settings.apiKey,
    tls: settings.tls ? {} : undefined,
    connectTimeout: connectTimeoutMs,
  });
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}
