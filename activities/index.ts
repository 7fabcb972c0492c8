import { PulumiFn } from '@pulumi/pulumi/automation';
import { ComponentStackId, ResourceDrift, UpOutcome } from '../src/pulumi/componentStacks';
import { createDeploymentActivities, DeploymentPorts, withHeartbeats } from './deployment';
import { createDriftActivities, DriftPorts } from './drift';
import { createTrustActivities, TrustPorts } from './trust';

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

export type ActivityPorts = DeploymentPorts & DriftPorts & TrustPorts;

/** Activities over injected ports, so tests pass real or fake parts (see worker/ for production wiring). */
export function createActivities(ports: ActivityPorts) {
  const { stacks, programs } = ports;
  return {
    ...createDeploymentActivities(ports),
    ...createDriftActivities(ports),
    ...createTrustActivities(ports),

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
