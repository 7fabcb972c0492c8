import net from 'node:net';
import type { ComponentRef } from '../../deployment';
import type { ComponentHealth, ComponentState, DesiredComponent } from '../api';
import type { EventJournal, LogJournal } from './journal';
import type { MetricsRecorder } from './metrics';

/** What every component's runner gets from the runtime: where its files go and where it reports. */
export interface RunnerContext {
  ref: ComponentRef;
  key: string;
  /** The component's own directory under `<state>/local/components/`. */
  dir: string;
  logs: LogJournal;
  events: EventJournal;
  metrics: MetricsRecorder;
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

/** A port nobody listens on now; the tiny race until the child binds it is acceptable locally. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on the port, or rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (!isAlive()) throw new Error(`the process exited before listening on port ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
