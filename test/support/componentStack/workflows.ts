// Test-only workflow bundle: the deployer's workflows plus single Pulumi operations on one component
// stack, which tests drive directly. Production workers must not register these: any Temporal
// client could then `up` or `destroy` any stack with no lock, plan, approval or record.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { ComponentOperation, ComponentStackActivities } from './activities';

export * from '../../../workflows';

// Pulumi operations are not idempotent mid-flight, so they are retried only on worker loss
// (heartbeat timeout) and by the engine's own state: a re-run `up` converges to the program.
// Cancellation waits until the engine has stopped, so the workflow never reports a state that is
// still being written.
const { upComponent, previewRefreshComponent, destroyComponent } = proxyActivities<ComponentStackActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
});

/** Applies one component stack (Pulumi `up`) durably. */
export async function applyComponentStack(operation: ComponentOperation) {
  return upComponent(operation);
}

/** Reports what differs between one component stack's state and reality, changing nothing. */
export async function detectComponentStackDrift(operation: ComponentOperation) {
  return previewRefreshComponent(operation);
}

/** Removes every resource of one component stack, then the stack itself. */
export async function destroyComponentStack(operation: ComponentOperation) {
  return destroyComponent(operation);
}
