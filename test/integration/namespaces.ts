// Integration files run on several jest workers at once against one dev server. Deployments are
// named by stack, environment and service, and two files deploy the same ones: each jest worker
// keeps to a Temporal namespace of its own, so one file's deployments never hold another's locks.

/** The namespace of a jest worker (JEST_WORKER_ID counts from 1). */
export function workerNamespace(workerId: string | number): string {
  return `deployer-it-${workerId}`;
}
