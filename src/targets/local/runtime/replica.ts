import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import type { HealthCheckResult, HealthCheckSettings, ReplicaHealth, ReplicaState } from '../api';
import type { ChildLedger } from './childLedger';
import { EventJournal, lineSplitter, LogJournal } from './journal';
import { describeSpawnFailure } from './spawnFailure';

/** One version of a MicroService's process: what every replica of it runs. */
export interface Revision {
  id: string;
  version: string;
  command: string[];
  workingDir: string;
  environment: Record<string, string>;
  healthCheck: HealthCheckSettings;
}

export interface ReplicaHooks {
  logs: LogJournal;
  events: EventJournal;
  children: ChildLedger;
  onStateChange(replica: Replica): void;
  onExit(replica: Replica, code: number | null, signal: NodeJS.Signals | null): void;
}

// While a replica starts, checks run this often (at most), so a rollout does not wait a full
// production interval (10 s by default) per threshold step on one machine.
const STARTING_CHECK_INTERVAL_MS = 1000;
const KEPT_CHECKS = 10;

/**
 * A replica: one OS process of a revision, listening on its own port, health-checked over HTTP the
 * way a load balancer checks a target (healthy after N passes, unhealthy after M failures once
 * the grace period is over).
 */
export class Replica {
  readonly id: string;
  state: ReplicaState = 'starting';
  /** Requests the proxy is forwarding to it now; old replicas drain to zero before they stop. */
  inFlight = 0;
  readonly startedAt = new Date();
  private child?: ChildProcess;
  private checks: HealthCheckResult[] = [];
  private passes = 0;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private exited?: Promise<void>;
  /** Why the command could not be started at all (no such command, no working directory). */
  startFailure?: string;

  constructor(
    component: string,
    readonly revision: Revision,
    readonly port: number,
    readonly restarts: number,
    private readonly hooks: ReplicaHooks,
  ) {
    this.id = `${component}-${crypto.randomBytes(3).toString('hex')}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The variables the process runs with (also what `exec` gets). */
  environment(): Record<string, string> {
    return { ...this.revision.environment, PORT: String(this.port), HOSTNAME: this.id };
  }

  start(): void {
    const [command, ...args] = this.revision.command;
    const child = spawn(command ?? 'false', args, { cwd: this.revision.workingDir, env: this.environment(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.hooks.children.record(child.pid, `replica ${this.id}`);
    child.stdout?.on('data', lineSplitter((line) => this.hooks.logs.write(this.id, 'stdout', line)));
    child.stderr?.on('data', lineSplitter((line) => this.hooks.logs.write(this.id, 'stderr', line)));
    this.exited = new Promise((resolve) => {
      const end = (code: number | null, signal: NodeJS.Signals | null) => {
        this.hooks.children.forget(child.pid);
        clearTimeout(this.timer);
        const expected = this.state === 'stopping';
        this.state = 'exited';
        if (!expected) this.hooks.onExit(this, code, signal);
        resolve();
      };
      child.on('exit', end);
      // A command that cannot be spawned emits `error` and never `exit`: it has ended all the same.
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (!error.syscall?.startsWith('spawn')) return;
        this.startFailure = describeSpawnFailure(this.revision.command, this.revision.workingDir, error);
        this.hooks.logs.write(this.id, 'stderr', this.startFailure);
        end(null, null);
      });
    });
    if (child.pid !== undefined) this.hooks.events.record('started', `replica ${this.id} started (${this.revision.version}, pid ${child.pid}, port ${this.port})`, this.id);
    this.scheduleCheck(STARTING_CHECK_INTERVAL_MS);
  }

  /** SIGTERM, then SIGKILL after the grace period, like ECS's stopTimeout. */
  async stop(graceMs = 10000): Promise<void> {
    clearTimeout(this.timer);
    if (!this.child || this.state === 'exited') return;
    this.state = 'stopping';
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
  }

  health(): ReplicaHealth {
    return {
      replica: this.id,
      version: this.revision.version,
      pid: this.pid,
      port: this.port,
      state: this.state,
      startedAt: this.startedAt.toISOString(),
      restarts: this.restarts,
      checks: [...this.checks],
    };
  }

  private scheduleCheck(delayMs: number): void {
    this.timer = setTimeout(() => void this.check(), delayMs);
  }

  private get finished(): boolean {
    return this.state === 'stopping' || this.state === 'exited';
  }

  private async check(): Promise<void> {
    if (this.finished) return;
    const settings = this.revision.healthCheck;
    const result = await probe(this.port, settings.path, settings.timeoutSeconds * 1000);
    if (this.finished) return;
    this.checks = [...this.checks, result].slice(-KEPT_CHECKS);
    if (result.ok) {
      this.passes += 1;
      this.failures = 0;
    } else {
      this.failures += 1;
      this.passes = 0;
    }
    const inGrace = Date.now() - this.startedAt.getTime() < settings.gracePeriodSeconds * 1000;
    if (this.state !== 'healthy' && this.passes >= settings.healthyThreshold) {
      this.transition('healthy', `replica ${this.id} is healthy (${settings.path} passed ${this.passes}x)`);
    } else if (this.state !== 'unhealthy' && !inGrace && this.failures >= settings.unhealthyThreshold) {
      this.transition('unhealthy', `replica ${this.id} is unhealthy: ${settings.path} failed ${this.failures}x, last ${describeCheck(result)}`);
    }
    this.scheduleCheck(this.state === 'healthy' ? settings.intervalSeconds * 1000 : Math.min(STARTING_CHECK_INTERVAL_MS, settings.intervalSeconds * 1000));
  }

  private transition(state: 'healthy' | 'unhealthy', message: string): void {
    this.state = state;
    this.hooks.events.record(state, message, this.id);
    this.hooks.onStateChange(this);
  }
}

export function describeCheck(result: HealthCheckResult): string {
  return result.status !== undefined ? `HTTP ${result.status}` : (result.error ?? 'no answer');
}

function probe(port: number, path: string, timeoutMs: number): Promise<HealthCheckResult> {
  const started = Date.now();
  const at = new Date().toISOString();
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, timeout: timeoutMs, agent: false }, (response) => {
      response.resume();
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        resolve({ at, ok: status >= 200 && status < 400, status, durationMs: Date.now() - started });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ at, ok: false, error: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message, durationMs: Date.now() - started });
    });
  });
}
