// Boxes moved to src/client/render/box.ts, which the Slack app shares; re-exported here for the CLI.
export * from '../../src/client/render/box';
