// What clients (CLI, and any other) ask the workers about the release log. The workers alone hold
// it (files on the worker's machine, or the team's PostgreSQL); clients read it through Temporal with the
// readReleases workflow, so a client needs nothing but Temporal.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { ReleasedComponent } from '../releases/releaseRecord';
import type { TemporalSettings } from '../temporal/connection';
import { executeWorkflow, HttpApiSettings, HttpApiUnavailableError, NotTheHttpApiError, WorkflowOutcome } from '../temporal/httpApi';
import { isServerOutage } from '../temporal/workflowResult';
import {
  DeployedReleases,
  DeployedReleasesRequest,
  READ_RELEASES_WORKFLOW,
  ReadReleasesRequest,
  readReleasesWorkflowId,
  ServiceReleases,
  ServiceReleasesRequest,
} from '../temporal/releaseReads';
import { ReleasesUnavailableError } from '../errors';

/** How long connecting waits for a Temporal server that does not answer. */
const CONNECT_TIMEOUT_MS = 3000;

/** How long a read waits for the worker: reading a few files takes it milliseconds, when it runs. */
const RELEASE_READ_TIMEOUT_MS = 10_000;

/** Port: the worker's answers about its release log. Fails with ReleasesUnavailableError when nobody answers. */
export interface ReleaseReads {
  serviceReleases(request: Omit<ServiceReleasesRequest, 'read'>): Promise<ServiceReleases>;
  deployedReleases(request: Omit<DeployedReleasesRequest, 'read'>): Promise<DeployedReleases>;
}

export type TemporalReleaseReadsOptions = (
  | { /** Connected to on the first read; close() closes it. */ settings: TemporalSettings }
  | { /** A client already connected (status and the Slack app have one): used, and left open. */ client: Client; address?: string }
) & { taskQueue: string; timeoutMs?: number };

/**
 * ReleaseReads through Temporal: each read runs the readReleases workflow on the worker's task queue
 * and waits for its answer; over the HTTP API when the settings know its address (no SDK to load),
 * else over gRPC.
 */
export function temporalReleaseReads(options: TemporalReleaseReadsOptions): ReleaseReads & { close(): Promise<void> } {
  const { taskQueue } = options;
  const address = 'settings' in options ? options.settings.address : (options.address ?? 'its configured address');
  const timeoutMs = options.timeoutMs ?? RELEASE_READ_TIMEOUT_MS;
  let overHttp = 'settings' in options && options.settings.httpAddress ? { ...options.settings, httpAddress: options.settings.httpAddress } : undefined;
  let connecting: Promise<{ client: Client; close: () => Promise<void> }> | undefined;
  const connect = () => (connecting ??= 'settings' in options ? connectClient(options.settings) : Promise.resolve({ client: options.client, close: async () => {} }));
  const workerNotAnswering = () =>
    new ReleasesUnavailableError(
      `no deployer worker answered on task queue ${taskQueue} of Temporal at ${address} within ${timeoutMs / 1000}s. Start the local one with \`deployer dev start\`, or check that yours runs (and runs this version of deployer).`,
      'WORKER_NOT_ANSWERING',
    );

  async function readOverGrpc<T>(request: ReadReleasesRequest): Promise<T> {
    const { client } = await connect();
    const { WorkflowFailedError, TimeoutFailure } = await import('@temporalio/client');
    try {
      return (await client.workflow.execute(READ_RELEASES_WORKFLOW, {
        workflowId: readReleasesWorkflowId(request.stack, request.environment, randomUUID()),
        taskQueue,
        args: [request],
        // Ends the read server-side too: a read nobody picked up does not linger for a worker to come.
        workflowExecutionTimeout: timeoutMs,
      })) as T;
    } catch (error) {
      if (error instanceof WorkflowFailedError && error.cause instanceof TimeoutFailure) throw workerNotAnswering();
      // The server went away after the connection was made.
      if (isServerOutage(error)) throw unreachable(`Temporal at ${address}`, grpcDetail(error));
      throw error;
    }
  }

  async function readOverHttp<T>(settings: HttpApiSettings & Pick<TemporalSettings, 'httpAddressAssumed'>, request: ReadReleasesRequest): Promise<T> {
    let outcome: WorkflowOutcome;
    try {
      outcome = await executeWorkflow(settings, {
        workflowId: readReleasesWorkflowId(request.stack, request.environment, randomUUID()),
        workflowType: READ_RELEASES_WORKFLOW,
        taskQueue,
        args: [request],
        executionTimeoutMs: timeoutMs,
      });
    } catch (error) {
      // An address only assumed by convention: no Temporal HTTP API there, so gRPC, as when none is known.
      if (settings.httpAddressAssumed && (error instanceof HttpApiUnavailableError || error instanceof NotTheHttpApiError)) {
        overHttp = undefined;
        return readOverGrpc<T>(request);
      }
      if (error instanceof HttpApiUnavailableError) throw unreachable(`Temporal's HTTP API at ${settings.httpAddress}`, error.message, '--temporal-http-address / DEPLOYER_TEMPORAL_HTTP_ADDRESS');
      throw error;
    }
    if (outcome.status === 'completed') return outcome.result as T;
    if (outcome.status === 'timedOut') throw workerNotAnswering();
    throw new Error(`reading the release log failed on the worker (${outcome.status}): ${outcome.message}`);
  }

  const read = <T>(request: ReadReleasesRequest): Promise<T> => (overHttp ? readOverHttp<T>(overHttp, request) : readOverGrpc<T>(request));

  return {
    serviceReleases: (request) => read<ServiceReleases>({ read: 'service', ...request }),
    deployedReleases: (request) => read<DeployedReleases>({ read: 'deployed', ...request }),
    close: async () => {
      const connected = await connecting?.catch(() => undefined);
      await connected?.close();
    },
  };
}

async function connectClient(settings: TemporalSettings): Promise<{ client: Client; close: () => Promise<void> }> {
  // Loaded when first needed: the Temporal client is heavy for a CLI that may not read at all.
  const { openClient } = await import('../temporal/connection');
  try {
    return await openClient(settings, CONNECT_TIMEOUT_MS);
  } catch (error) {
    throw unreachable(`Temporal at ${settings.address}`, (error as Error).message);
  }
}

/** What gRPC said, also when the client wrapped it in a ServiceError. */
function grpcDetail(error: unknown): string {
  const grpc = ((error as { cause?: unknown }).cause ?? error) as { details?: string; message?: string };
  return grpc.details || grpc.message || String(error);
}

/** `server` names what could not be reached and where, e.g. "Temporal at host:7233". */
function unreachable(server: string, detail: string, setting = '--temporal-address / DEPLOYER_TEMPORAL_ADDRESS'): ReleasesUnavailableError {
  return new ReleasesUnavailableError(
    `cannot reach ${server} (${detail}). Start the local one with \`deployer dev start\`, or point at yours with ${setting}.`,
    'TEMPORAL_UNREACHABLE',
  );
}

// ---------------------------------------------------------------------------------------------
// Use-cases

/** A service's deployments, newest first, at most `limit`. */
export async function serviceHistory(reads: ReleaseReads, ref: { stack: string; environment: string; service: string }, limit: number) {
  return (await reads.serviceReleases({ ...ref, limit })).releases;
}

/** What `plan` compares the repo with: each service's components as last deployed, or why it could not be known. */
export type PlanBaseline =
  | { comparedWithDeployed: true; released: (service: string) => ReleasedComponent[]; deployed: string[] }
  | { comparedWithDeployed: false; released: (service: string) => ReleasedComponent[]; deployed: string[]; reason: string };

/**
 * The deployed state a plan diffs against. When the worker cannot be asked, the plan still runs on
 * the repo alone, as if nothing were deployed, and says so (`reason`) rather than passing that off
 * as the truth; other failures (a worker that answered with an error) are errors.
 */
export async function planBaseline(reads: ReleaseReads, stack: string, environment: string): Promise<PlanBaseline> {
  try {
    const { services } = await reads.deployedReleases({ stack, environment });
    const byService = new Map(services.map((entry) => [entry.service, entry.components]));
    return { comparedWithDeployed: true, released: (service) => byService.get(service) ?? [], deployed: services.map((entry) => entry.service) };
  } catch (error) {
    if (!(error instanceof ReleasesUnavailableError)) throw error;
    return { comparedWithDeployed: false, released: () => [], deployed: [], reason: error.message };
  }
}
