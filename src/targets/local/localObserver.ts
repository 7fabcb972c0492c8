import { spawn } from 'node:child_process';
import { ComponentRef, runtimeKey } from '../../model/componentRef';
import { execOutcome } from '../execProcess';
import type { ExecOptions, ExecResult, Observer } from '../observer';
import { ComponentHealth, ComponentMetrics, ComponentState, ExecTarget, LogLine, LogQuery, RuntimeEvent } from './api';
import { RuntimeClient } from './runtimeClient';
import { RuntimeRequestFailed } from '../../errors';

/** The Observer of the local target: asks the local runtime, and runs `exec` beside a replica. */
export class LocalObserver implements Observer {
  constructor(private readonly client: RuntimeClient = RuntimeClient.connect()) {}

  async state(ref: ComponentRef, options: { settled?: boolean } = {}): Promise<ComponentState | undefined> {
    try {
      return await this.client.request<ComponentState>('GET', `${this.path(ref)}${options.settled ? '?settled=true' : ''}`);
    } catch (error) {
      if (error instanceof RuntimeRequestFailed && error.status === 404) return undefined;
      throw error;
    }
  }

  logs(ref: ComponentRef, query: LogQuery): Promise<LogLine[]> {
    return this.client.request('GET', `${this.path(ref)}/logs?${logParams(query)}`);
  }

  followLogs(ref: ComponentRef, query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void> {
    return this.client.stream(`${this.path(ref)}/logs?${logParams(query)}&follow=true`, onLine, signal);
  }

  metrics(ref: ComponentRef, since: Date): Promise<ComponentMetrics> {
    return this.client.request('GET', `${this.path(ref)}/metrics?since=${encodeURIComponent(since.toISOString())}`);
  }

  health(ref: ComponentRef): Promise<ComponentHealth> {
    return this.client.request('GET', `${this.path(ref)}/health`);
  }

  events(ref: ComponentRef, since?: Date): Promise<RuntimeEvent[]> {
    return this.client.request('GET', `${this.path(ref)}/events${since ? `?since=${encodeURIComponent(since.toISOString())}` : ''}`);
  }

  /** Locally a replica is a process on this machine: exec runs the command with its variables, in its directory. */
  async exec(ref: ComponentRef, options: ExecOptions): Promise<ExecResult> {
    const target = await this.client.request<ExecTarget>('GET', `${this.path(ref)}/exec${options.replica ? `?replica=${encodeURIComponent(options.replica)}` : ''}`);
    const shell = process.env.SHELL && !options.command ? process.env.SHELL : '/bin/sh';
    const args = options.command ? ['-c', options.command] : ['-i'];
    const child = spawn(shell, args, { cwd: target.workingDir, env: target.environment, stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    return execOutcome(child, target.replica, options.stdio === 'pipe');
  }

  private path(ref: ComponentRef): string {
    return componentPath(ref);
  }
}

export function componentPath(ref: ComponentRef): string {
  return `/v1/components/${encodeURIComponent(runtimeKey(ref))}`;
}

function logParams(query: LogQuery): string {
  const params = new URLSearchParams();
  if (query.since) params.set('since', query.since);
  if (query.filter) params.set('filter', query.filter);
  if (query.search) params.set('search', query.search);
  if (query.limit) params.set('limit', String(query.limit));
  return params.toString();
}
