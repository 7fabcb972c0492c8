// The next-step `deployer apply` command line moved to src/client/applyCommand.ts, which the Slack app shares; re-exported here for the CLI.
export * from '../src/client/applyCommand';
