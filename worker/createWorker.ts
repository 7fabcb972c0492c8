import { NativeConnection, Worker, WorkerOptions as TemporalWorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityPorts } from '../activities/ports';
import { deployerTaskQueue } from '../src/temporal/taskQueue';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  ports: ActivityPorts;
  taskQueue?: string;
  /**
   * A file of workflow code bundled beforehand (bundleWorkflowCode of workflows/, from this same
   * build): the worker starts without bundling, which takes seconds of CPU. Unset: it bundles workflows/.
   */
  workflowBundle?: string;
}

/** What a deployer worker registers: every workflow in workflows/, activities over the given ports, on deployerTaskQueue() unless told. */
export function deployerWorkerOptions({ connection, namespace, ports, taskQueue = deployerTaskQueue(), workflowBundle }: WorkerOptions): TemporalWorkerOptions {
  return {
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle: { codePath: workflowBundle } } : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities(ports),
    // Cancellation reaches an activity only in a heartbeat response; the default throttle (80 % of
    // the heartbeat timeout) would let a cancelled `pulumi up` run on for half a minute.
    maxHeartbeatThrottleInterval: '1 second',
  };
}

/** A deployer worker (see deployerWorkerOptions). */
export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create(deployerWorkerOptions(options));
}
