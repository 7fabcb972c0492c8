import { NativeConnection, Worker } from '@temporalio/worker';
import { ActivityPorts, createActivities } from '../activities';
import { deployerTaskQueue } from '../src/temporal/taskQueue';

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  ports: ActivityPorts;
  taskQueue?: string;
}

/** A deployer worker: every workflow in workflows/, activities over the given ports, on deployerTaskQueue() unless told. */
export function createWorker({ connection, namespace, ports, taskQueue = deployerTaskQueue() }: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities(ports),
    // Cancellation reaches an activity only in a heartbeat response; the default throttle (80 % of
    // the heartbeat timeout) would let a cancelled `pulumi up` run on for half a minute.
    maxHeartbeatThrottleInterval: '1 second',
  });
}
