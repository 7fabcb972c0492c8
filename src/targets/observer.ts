import type { ComponentRef } from '../model/componentRef';
import type { ComponentHealth, ComponentMetrics, ComponentState, LogLine, LogQuery, RevisionFigures, RuntimeEvent } from './local/api';

export type { ComponentHealth, ComponentMetrics, ComponentState, LogLine, LogQuery, RevisionFigures, RuntimeEvent };

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
 * What a release created that the target must be running for the release to count as healthy. On
 * aws, the task definition its program registered (ECS may roll back to another one); the local
 * runtime never rolls back on its own, so it needs none.
 */
export interface ReleaseIdentity {
  taskDefinitionArn?: string;
}

/**
 * How deployer looks at what runs, the same on every target (local runtime, or CloudWatch/ECS on
 * aws): the CLI's logs/metrics/health/show/exec and the workflows' health gate use only this.
 */
export interface Observer {
  /**
   * What runs now; undefined when the component does not exist. `settled`: once the operations
   * already asked of it have ended (the local runtime serializes them; aws reads as it is).
   */
  state(ref: ComponentRef, options?: { settled?: boolean }): Promise<ComponentState | undefined>;
  logs(ref: ComponentRef, query: LogQuery): Promise<LogLine[]>;
  /** Streams matching lines (the backlog since `query.since`, then new ones) until `signal` aborts. */
  followLogs(ref: ComponentRef, query: LogQuery, onLine: (line: LogLine) => void, signal: AbortSignal): Promise<void>;
  metrics(ref: ComponentRef, since: Date): Promise<ComponentMetrics>;
  /** With `release`, healthy also means running what that release created. */
  health(ref: ComponentRef, release?: ReleaseIdentity): Promise<ComponentHealth>;
  events(ref: ComponentRef, since?: Date): Promise<RuntimeEvent[]>;
  exec(ref: ComponentRef, options: ExecOptions): Promise<ExecResult>;
}
