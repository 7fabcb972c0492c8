import type { Client } from '@temporalio/client';
import { connectClient, temporalSettingsFromEnv } from './connection';

/** Port: a Temporal client for activities that act on Temporal itself (the drift Schedule, lock checks). */
export interface TemporalClientPort {
  withClient<T>(use: (client: Client) => Promise<T>): Promise<T>;
}

/**
 * Connects for each use with the worker's own settings (DEPLOYER_TEMPORAL_* variables) and closes
 * afterwards: these uses are rare (end of a deployment, a drift run), and no connection is left open
 * to keep a process alive after its worker stopped.
 */
export function temporalClientFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalClientPort {
  return {
    async withClient(use) {
      const client = await connectClient(temporalSettingsFromEnv(env));
      try {
        return await use(client);
      } finally {
        await client.connection.close();
      }
    },
  };
}

/** A port over a client the caller owns (tests pass theirs). */
export function temporalClientPort(client: Client): TemporalClientPort {
  return { withClient: (use) => use(client) };
}
