import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { installRoot, stateDir } from '../paths';
import { runtimeEndpoint, runtimeEndpointFile } from '../targets/local/endpoint';
import { toolPath } from '../toolchain';
import { SEARCH_ATTRIBUTES } from '../temporal/contracts';
import { deployerTaskQueue } from '../temporal/taskQueue';
import { defaultEndpoints, devDir, DevEndpoints, devEndpoints, endpointsFile, HTTP_PORT_OFFSET } from './endpoints';
import { managedProcess, ManagedProcess, runningPid, sleep, startDetached, stopProcess } from './processes';
import { freePort } from '../tcpPorts';
import { hostAndPort } from '../temporal/addressProbe';
import { DevStateMode, recordedStateMode, resolveStateMode, stateDatabaseDir, stateDatabaseProcess, startStateDatabase, stopStateDatabase } from './stateDatabase';
import { describeDatabaseUrl } from '../state/postgres/database';
import { STATE_URL_ENV } from '../state/stateStore';
export interface DevComponentStatus {
  name: 'temporal' | 'runtime' | 'state' | 'worker';
  running: boolean;
  pid?: number;
  detail: string;
  log: string;
}

export interface DevStatus {
  stateDir: string;
  /** Where the worker keeps releases, drift and Pulumi state: files under stateDir, or PostgreSQL. */
  stateStore: string;
  endpoints: DevEndpoints;
  components: DevComponentStatus[];
}

const READY_TIMEOUT_MS = 90000;



function processes(): { temporal: ManagedProcess; runtime: ManagedProcess; worker: ManagedProcess } {
  return { temporal: managedProcess(devDir(), 'temporal'), runtime: managedProcess(devDir(), 'runtime'), worker: managedProcess(devDir(), 'worker') };
}



export interface StartOptions {
  port?: number;
  uiPort?: number;
  /** The HTTP API's port; by default the gRPC port + 10 (7243, Temporal's convention) when free, else any free port. */
  httpPort?: number;
  /** Start only the Temporal server (tests run their own in-process workers). */
  withoutWorker?: boolean;
  /** Where the worker keeps its state: files under the state dir, or a local PostgreSQL (team mode on one machine). */
  state?: DevStateMode;
  /** Namespaces to create besides deployer's, each with deployer's search attributes: clients that must not see each other's workflows. */
  namespaces?: string[];
}

/**
 * Starts the Temporal dev server (SQLite under the state dir, custom search attributes registered),
 * the local runtime, the state database when the state is kept in PostgreSQL, and a deployer worker,
 * each in the background. What already runs is left alone.
 */
export async function startDevEnvironment(options: StartOptions = {}): Promise<DevStatus> {
  const procs = processes();
  fs.mkdirSync(devDir(), { recursive: true });
  const stateMode = resolveStateMode(options.state);
  if (runningPid(procs.temporal) === undefined) {
    const port = options.port ?? 7233;
    const httpPort = options.httpPort ?? (await httpPortBeside(port));
    const endpoints = defaultEndpoints(port, options.uiPort ?? 8233, httpPort);
    await assertPortFree(endpoints.temporalAddress);
    const searchAttributes = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
    startDetached(procs.temporal, toolPath('temporal'), [
      'server', 'start-dev',
      '--db-filename', path.join(devDir(), 'temporal.sqlite'),
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--http-port', String(httpPort),
      '--ui-port', String(options.uiPort ?? 8233),
      ...[endpoints.namespace, ...(options.namespaces ?? [])].flatMap((namespace) => ['--namespace', namespace]),
      '--log-level', 'warn',
      // A commit appends to the write-ahead log, synced at checkpoints, instead of syncing a rollback
      // journal and the database each time: a fifth less of the server's CPU under deployments. A
      // killed server loses nothing (the log is in the OS's hands); a power cut may lose the last
      // commits, which a development server can afford.
      '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal',
      ...searchAttributes,
    ], process.env);
    fs.writeFileSync(endpointsFile(), JSON.stringify(endpoints, null, 2));
  }
  await waitForTemporal(devEndpoints(), procs.temporal);
  await startLocalRuntime();
  const stateUrl = stateMode === 'postgres' ? await startStateDatabase() : undefined;
  if (!options.withoutWorker && runningPid(procs.worker) === undefined) {
    const endpoints = devEndpoints();
    startDetached(procs.worker, process.execPath, [path.join(installRoot, 'dist', 'worker', 'main.js')], {
      ...process.env,
      DEPLOYER_TEMPORAL_ADDRESS: endpoints.temporalAddress,
      DEPLOYER_TEMPORAL_NAMESPACE: endpoints.namespace,
      DEPLOYER_HOME: stateDir(),
      ...(stateUrl ? { [STATE_URL_ENV]: stateUrl } : {}),
    });
    await waitForWorker(endpoints, procs.worker);
  }
  return devStatus();
}

/**
 * Starts the local target's runtime in the background (it restores the components it ran before)
 * unless it already runs; resolves once it serves requests.
 */
export async function startLocalRuntime(): Promise<void> {
  const proc = processes().runtime;
  if (runningPid(proc) !== undefined) return;
  fs.mkdirSync(devDir(), { recursive: true });
  fs.rmSync(runtimeEndpointFile(), { force: true });
  startDetached(proc, process.execPath, [path.join(installRoot, 'dist', 'src', 'targets', 'local', 'runtime', 'main.js')], { ...process.env, DEPLOYER_HOME: stateDir() });
  await waitForRuntime(proc);
}

/** Stops the local runtime and everything it runs, keeping their data. */
export function stopLocalRuntime(): Promise<boolean> {
  return stopProcess(processes().runtime, 30000);
}

/**
 * Stops exactly what `startDevEnvironment` started (by pid file): the worker first, the state
 * database, then the local runtime with everything it runs (its process group: replicas,
 * PostgreSQL, Redis, the SQS endpoint).
 */
export async function stopDevEnvironment(): Promise<string[]> {
  const procs = processes();
  const stopped: string[] = [];
  if (await stopProcess(procs.worker)) stopped.push('worker');
  if (await stopStateDatabase()) stopped.push('state database');
  if (await stopLocalRuntime()) stopped.push('runtime');
  if (await stopProcess(procs.temporal)) stopped.push('temporal');
  return stopped;
}

export async function devStatus(): Promise<DevStatus> {
  const procs = processes();
  const endpoints = devEndpoints();
  const temporalPid = runningPid(procs.temporal);
  const workerPid = runningPid(procs.worker);
  const runtimePid = runningPid(procs.runtime);
  const stateDbPid = runningPid(stateDatabaseProcess());
  return {
    stateDir: stateDir(),
    stateStore: stateStoreDescription(),
    endpoints,
    components: [
      {
        name: 'temporal',
        running: temporalPid !== undefined,
        pid: temporalPid,
        detail: temporalPid ? `gRPC ${endpoints.temporalAddress}${endpoints.temporalHttpAddress ? `, HTTP ${endpoints.temporalHttpAddress}` : ''}, UI ${endpoints.uiUrl}` : 'not running',
        log: procs.temporal.logFile,
      },
      {
        name: 'runtime',
        running: runtimePid !== undefined,
        pid: runtimePid,
        detail: runtimePid ? `local target at ${runtimeUrl() ?? 'starting'}` : 'not running',
        log: procs.runtime.logFile,
      },
      ...(recordedStateMode() === 'postgres'
        ? [{ name: 'state' as const, running: stateDbPid !== undefined, pid: stateDbPid, detail: stateDbPid ? 'PostgreSQL on 127.0.0.1' : 'not running', log: stateDatabaseProcess().logFile }]
        : []),
      {
        name: 'worker',
        running: workerPid !== undefined,
        pid: workerPid,
        detail: workerPid ? `task queue ${deployerTaskQueue()}` : 'not running',
        log: procs.worker.logFile,
      },
    ],
  };
}

/** Where the worker keeps its state, for `dev status`. */
function stateStoreDescription(): string {
  const url = process.env[STATE_URL_ENV];
  if (url) return describeDatabaseUrl(url);
  return recordedStateMode() === 'postgres' ? `the state database (PostgreSQL, data in ${stateDatabaseDir()})` : 'files';
}

/** Temporal's HTTP port by its convention (gRPC + HTTP_PORT_OFFSET) when nothing listens there, else any free one. */
async function httpPortBeside(grpcPort: number): Promise<number> {
  const beside = grpcPort + HTTP_PORT_OFFSET;
  return beside > 65535 || (await listening('127.0.0.1', beside)) ? freePort() : beside;
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function assertPortFree(address: string): Promise<void> {
  const { host, port } = hostAndPort(address);
  if (await listening(host, port)) {
    throw new Error(`port ${port} is already in use by another program, so the Temporal dev server cannot start there. Stop that program, or start on another port with \`deployer dev start --port N\`.`);
  }
}

async function waitForTemporal(endpoints: DevEndpoints, proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (runningPid(proc) === undefined) throw new Error(`the Temporal dev server exited during start; see ${proc.logFile}`);
    try {
      const connection = await Connection.connect({ address: endpoints.temporalAddress, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: endpoints.namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${endpoints.temporalAddress} within ${READY_TIMEOUT_MS / 1000}s; see ${proc.logFile}`);
}

function runtimeUrl(): string | undefined {
  return runtimeEndpoint()?.url;
}

/** The runtime writes its endpoint file once it has restored every component it ran before. */
async function waitForRuntime(proc: ManagedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (runningPid(proc) === undefined) throw new Error(`the local runtime exited during start; see ${proc.logFile}`);
    if (runtimeUrl()) return;
    await sleep(100);
  }
  throw new Error(`the local runtime did not start within ${READY_TIMEOUT_MS / 1000}s; see ${proc.logFile}`);
}

/** The identity the Temporal SDK gives a worker by default: `<pid>@<hostname>`. */
export function workerIdentity(pid: number, hostname = os.hostname()): string {
  return `${pid}@${hostname}`;
}

async function waitForWorker(endpoints: DevEndpoints, proc: ManagedProcess): Promise<void> {
  const connection = await Connection.connect({ address: endpoints.temporalAddress });
  try {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const pid = runningPid(proc);
      if (pid === undefined) throw new Error(`the deployer worker exited during start; see ${proc.logFile}`);
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace: endpoints.namespace,
        taskQueue: { name: deployerTaskQueue() },
      });
      // Temporal lists a killed worker's poller for minutes: only this process's own poll counts.
      if (pollers.some((poller) => poller.identity === workerIdentity(pid))) return;
      await sleep(250);
    }
    throw new Error(`the deployer worker did not start polling within ${READY_TIMEOUT_MS / 1000}s; see ${proc.logFile}`);
  } finally {
    await connection.close();
  }
}
