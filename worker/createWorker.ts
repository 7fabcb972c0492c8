import { NativeConnection, Worker, WorkerOptions as TemporalWorkerOptions } from '@temporalio/worker';
import { ActivityPorts, createActivities } from '../activities';
import { deployerTaskQueue } from '../src/temporal/taskQueue';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  ports: ActivityPorts;
  taskQueue?: string;
}

/** What a deployer worker registers: every workflow in workflows/, activities over the given ports, on deployerTaskQueue() unless told. */
export function deployerWorkerOptions({ connection, namespace, ports, taskQueue = deployerTaskQueue() }: WorkerOptions): TemporalWorkerOptions {
  return {
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
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
