import type { ComponentStackId } from '../../../src/model/componentRef';
import type { ActivityPorts } from '../../../activities/ports';
import { withHeartbeats } from '../../../activities/engineRun';
import type { ResourceDrift, UpOutcome } from '../../../src/pulumi/componentStacks';
import type { ComponentDeployment } from '../../../src/targets/deployment';

/** One Pulumi operation on one component stack, as the test workflows ask for it (plain JSON). */
export interface ComponentOperation {
  stackId: ComponentStackId;
  /** Component kind; the target's program catalogue turns kind + spec into a Pulumi program. */
  kind: string;
  spec: unknown;
  config?: Record<string, string>;
}

/** The operation's kind and spec, which is all the test catalogue reads: its kinds are test-only, outside ComponentDeployment's union. */
function asDeployment(operation: ComponentOperation): ComponentDeployment {
  return { kind: operation.kind, spec: operation.spec } as unknown as ComponentDeployment;
}

/** The activities of the test-only workflows in ./workflows.ts, over the same ports as the deployer's. */
export function createComponentStackActivities({ stacks, programs }: ActivityPorts) {
  return {
    async upComponent(operation: ComponentOperation): Promise<UpOutcome> {
      return withHeartbeats((hooks) =>
        stacks.up(operation.stackId, programs.programFor(asDeployment(operation)), operation.config ?? {}, hooks),
      );
    },

    async previewRefreshComponent(operation: ComponentOperation): Promise<ResourceDrift[]> {
      return withHeartbeats((hooks) => stacks.previewRefresh(operation.stackId, programs.programFor(asDeployment(operation)), hooks));
    },

    async destroyComponent(operation: ComponentOperation): Promise<void> {
      return withHeartbeats((hooks) => stacks.destroy(operation.stackId, programs.programFor(asDeployment(operation)), hooks));
    },
  };
}

export type ComponentStackActivities = ReturnType<typeof createComponentStackActivities>;
