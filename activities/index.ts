import { Context } from '@temporalio/activity';
import { PulumiFn } from '@pulumi/pulumi/automation';
import { ComponentStackId, ComponentStacks, EngineProgress, ResourceDrift, UpOutcome } from '../src/pulumi/componentStacks';

/** One Pulumi operation on one component stack, as the workflow asks for it (plain JSON). */
export interface ComponentOperation {
  stackId: ComponentStackId;
  /** Component kind; the target's program catalogue turns kind + spec into a Pulumi program. */
  kind: string;
  spec: unknown;
  config?: Record<string, string>;
}

/** Port: the target's Pulumi programs (local dynamic providers, or @pulumi/aws). */
export interface ProgramCatalogue {
  programFor(kind: string, spec: unknown): PulumiFn;
}

export interface ActivityPorts {
  stacks: ComponentStacks;
  programs: ProgramCatalogue;
}

// Heartbeats carry the latest engine progress; the interval keeps a long silent step (a database
// being created) from looking like a dead worker.
const HEARTBEAT_INTERVAL_MS = 5000;

/** Activities over injected ports, so tests pass real or fake parts (see worker/ for production wiring). */
export function createActivities({ stacks, programs }: ActivityPorts) {
  return {
    async upComponent(operation: ComponentOperation): Promise<UpOutcome> {
      return withHeartbeats((hooks) =>
        stacks.up(operation.stackId, programs.programFor(operation.kind, operation.spec), operation.config ?? {}, hooks),
      );
    },

    async previewRefreshComponent(operation: ComponentOperation): Promise<ResourceDrift[]> {
      return withHeartbeats((hooks) => stacks.previewRefresh(operation.stackId, programs.programFor(operation.kind, operation.spec), hooks));
    },

    async destroyComponent(operation: ComponentOperation): Promise<void> {
      return withHeartbeats((hooks) => stacks.destroy(operation.stackId, programs.programFor(operation.kind, operation.spec), hooks));
    },
  };
}

export type DeployerActivities = ReturnType<typeof createActivities>;

async function withHeartbeats<T>(run: (hooks: { signal: AbortSignal; onProgress: (p: EngineProgress) => void }) => Promise<T>): Promise<T> {
  const context = Context.current();
  let latest: EngineProgress | undefined;
  const timer = setInterval(() => context.heartbeat(latest), HEARTBEAT_INTERVAL_MS);
  try {
    return await run({
      // Temporal aborts this signal when the workflow cancels the activity (delivered on heartbeat);
      // the Automation API then interrupts the engine, which finishes its in-flight step and stops.
      signal: context.cancellationSignal,
      onProgress: (progress) => {
        latest = progress;
        context.heartbeat(progress);
      },
    });
  } catch (error) {
    // The engine reports an interrupted run as a command error; tell Temporal it was a cancellation
    // so the workflow ends cancelled rather than failed.
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    throw error;
  } finally {
    clearInterval(timer);
  }
}
