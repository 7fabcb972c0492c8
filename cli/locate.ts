// Finding things in the deployment repo moved to src/client/locate.ts, which the Slack app shares; re-exported here for the CLI.
export * from '../src/client/locate';
