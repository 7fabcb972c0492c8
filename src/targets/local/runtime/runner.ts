import type { ComponentRef } from '../../../model/componentRef';
import type { ComponentHealth, ComponentState, DesiredComponent } from '../api';
import type { ChildLedger } from './childLedger';
import type { EventJournal, LogJournal } from './journal';
import type { MetricsRecorder } from './metrics';
import type { PortClaims } from './portClaims';

/** What every component's runner gets from the runtime: where its files go and where it reports. */
export interface RunnerContext {
  ref: ComponentRef;
  key: string;
  /** The component's own directory under `<state>/local/components/`. */
  dir: string;
  logs: LogJournal;
  events: EventJournal;
  metrics: MetricsRecorder;
  /** Where the processes it starts are recorded, so a killed runtime's successor can end them. */
  children: ChildLedger;
  /** The ports the runtime's components have: where a component asks for its usual port. */
  ports: PortClaims;
  /** Persist the runner's record now (after a change made outside an apply, e.g. a restart on a new port). */
  save(): void;
}

/** What ran for a component is gone (deleted behind the runtime's back): the runtime answers 404. */
export class ComponentGoneError extends Error {}

/** Runs one component on this machine: converges it to a desired state, reports what runs. */
export interface ComponentRunner<D extends DesiredComponent = DesiredComponent> {
  /** Starts what the saved record describes (runtime start-up); does not wait for health. */
  restore(desired: D): Promise<void>;
  /** Converges to `desired`; resolves when it runs as desired, rejects (leaving the previous state serving) when it cannot. */
  apply(desired: D): Promise<void>;
  state(): Promise<ComponentState>;
  health(): ComponentHealth;
  /** What the runtime must remember besides the desired state (ports, generated credentials). */
  saved(): Record<string, unknown>;
  /** Stops the processes, keeping data (runtime shutdown). */
  stop(): Promise<void>;
  /** Stops the processes and removes the component's data. */
  destroy(): Promise<void>;
}

