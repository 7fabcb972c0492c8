// A service's status box moved to src/client/render/status.ts, which the Slack app shares; re-exported here for the CLI.
export * from '../../src/client/render/status';
