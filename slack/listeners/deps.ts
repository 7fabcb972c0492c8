import type { Client } from '@temporalio/client';

/** What the listeners act on: Temporal (deployments' approval Update and queries) and the deployment repo for status. */
export interface ListenerDeps {
  temporal: Client;
  /** Deployment repo checkout that `/deployer status` reads (DEPLOYER_REPO); unset: status says how to configure it. */
  repo?: string;
  /** The worker's task queue, where `/deployer status` reads the release log (default: deployerTaskQueue()). */
  taskQueue?: string;
  /** DEPLOYER_SLACK_DECISION_KEY: the secret the worker checks the app's decisions with. */
  decisionKey: string;
}
