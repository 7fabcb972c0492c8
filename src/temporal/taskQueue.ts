import { TASK_QUEUE } from './contracts';

/**
 * The task queue the deployer worker polls and every client starts its workflows on:
 * DEPLOYER_TASK_QUEUE when set (tests run workers on queues of their own, so several can share one
 * Temporal server), else `deployer`. Worker and clients must read it the same way, or a workflow
 * waits on a queue no worker polls.
 */
export function deployerTaskQueue(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEPLOYER_TASK_QUEUE || TASK_QUEUE;
}
