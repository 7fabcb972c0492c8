import type { ComponentRef } from './deployment';
import type { ComponentHealth, ComponentMetrics, ComponentState, LogLine, LogQuery, RuntimeEvent } from './local/api';

export type { ComponentHealth, ComponentMetrics, ComponentState, LogLine, LogQuery, RuntimeEvent };

export interface ExecOptions {
  /** A shell command line; without one, an interactive shell. */
  command?: string;
  replica?: string;
  /** Where output goes; the terminal when omitted. */
  stdio?: 'inherit' | 'pipe';
}

export interface ExecResult {
  replica: string;
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

/**
 * How deployer looks at what runs, the same on every target (local runtime, or CloudWatch/ECS on
 * aws): the CLI's logs/metrics/health/show/exec and the workflows' health gate use only this.
 */
export interface Observer {
  state(ref: ComponentRef): Promise<ComponentState | undefined>;
  logs(ref: ComponentRef, query: LogQuery): Promise<LogLine[]>;
  /** Streams matching lines (the backlog since `query.since`, then new ones) until `signal` aborts. */
  followLogs(ref: ComponentRef, query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void>;
  metrics(ref: ComponentRef, since: Date): Promise<ComponentMetrics>;
  health(ref: ComponentRef): Promise<ComponentHealth>;
  events(ref: ComponentRef, since?: Date): Promise<RuntimeEvent[]>;
  exec(ref: ComponentRef, options: ExecOptions): Promise<ExecResult>;
}
