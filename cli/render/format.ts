// Formatting helpers moved to src/client/render/format.ts, which the Slack app shares; re-exported here for the CLI.
export * from '../../src/client/render/format';
