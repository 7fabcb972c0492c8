// How every workflow calls the activities: timeouts, retries, heartbeats and cancellation, declared
// once per kind of call. Not a workflow itself, so workflows/index.ts does not export it.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DeployerActivities } from '../activities';

/** Reads and writes of the release log, plans, reviews, notifications: seconds each. */
export const quick = proxyActivities<DeployerActivities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

// Pulumi runs are retried when a worker is lost (heartbeat timeout) or the engine could not reach a
// resource (a runtime restarting, a plugin killed: about 30 s of attempts); a re-run `up` converges.
// A resource that failed is not retried (nonRetryable). Cancellation waits until the engine
// stopped, so the state is never reported while being written. The health gate and the monitoring
// window run under the same options: long, watched by heartbeat.
export const engine = proxyActivities<DeployerActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 5, initialInterval: '2 seconds', backoffCoefficient: 2 },
});

// A refresh preview changes nothing, so it may be retried freely; a stuck engine is noticed by heartbeat.
export const refreshPreview = proxyActivities<DeployerActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
});

/** A service's own tests run once: a retry would hide a flaky test. Each test heartbeats as it ends. */
export const serviceTests = proxyActivities<DeployerActivities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '10 minutes', retry: { maximumAttempts: 1 } });

// A local activity: reading a few files needs no task queue round trip and no retries to speak of;
// the client's timeout bounds the whole read.
export const localReads = proxyLocalActivities<DeployerActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 2 } });
