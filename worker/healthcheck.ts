// The worker container's health check (docker-compose.yml): healthy while a worker of this container
// polls the task queue. A running process proves little: while Temporal is unreachable the worker
// keeps running and retrying its polls, and nothing gets deployed.
import os from 'node:os';
import { Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporalSettingsFromEnv } from '../src/temporal/connection';
import { deployerTaskQueue } from '../src/temporal/taskQueue';

/**
 * Temporal lists a poller for minutes after its last poll; a live worker polls again at least every
 * minute (a long poll returns empty after about that), so an older last poll means it stopped.
 */
const POLL_FRESH_MS = 2 * 60_000;

export interface PollerSeen {
  identity?: string | null;
  lastAccessMs?: number;
}

/** Whether a worker of `hostname` (the SDK's default identity is `<pid>@<hostname>`) polled recently. */
export function pollsFromHost(pollers: PollerSeen[], hostname: string, now: number): boolean {
  return pollers.some((poller) => poller.identity?.endsWith(`@${hostname}`) && poller.lastAccessMs !== undefined && now - poller.lastAccessMs < POLL_FRESH_MS);
}

async function main(): Promise<number> {
  const settings = temporalSettingsFromEnv();
  const taskQueue = deployerTaskQueue();
  const connection = await Connection.connect({ address: settings.address, apiKey: settings.apiKey, tls: settings.tls ? {} : undefined, connectTimeout: 5000 });
  try {
    const { pollers } = await connection.workflowService.describeTaskQueue({ namespace: settings.namespace, taskQueue: { name: taskQueue } });
    const seen = pollers.map((poller) => ({ identity: poller.identity, lastAccessMs: optionalTsToMs(poller.lastAccessTime) }));
    if (pollsFromHost(seen, os.hostname(), Date.now())) return 0;
    console.error(`no worker of ${os.hostname()} polled task queue "${taskQueue}" (namespace ${settings.namespace}) in the last ${POLL_FRESH_MS / 1000}s`);
    return 1;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`cannot ask Temporal about the worker: ${error.message}`);
      process.exit(1);
    },
  );
}
