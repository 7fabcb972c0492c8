// Names shared by every Temporal client (CLI, Slack app, CI) and the worker. Changing any of these
// breaks running workflows and saved searches, so they live in one place.

/** Task queue the deployer worker polls. */
export const TASK_QUEUE = 'deployer';

/** Default namespace of the dev server and of a self-hosted cluster. */
export const DEFAULT_NAMESPACE = 'default';

/** Custom search attributes set on every deployer workflow (registered by `deployer dev start`). */
export const SEARCH_ATTRIBUTES = {
  Stack: 'Keyword',
  Service: 'Keyword',
  Environment: 'Keyword',
  Version: 'Keyword',
  DeployedBy: 'Keyword',
  DeployStatus: 'Keyword',
} as const;

export type SearchAttributeName = keyof typeof SEARCH_ATTRIBUTES;

