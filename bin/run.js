#!/usr/bin/env node
// The `deployer` binary: oclif loads the compiled commands from dist/cli/commands.

// `--version` answers without loading oclif (most of the start-up time), in oclif's own format.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { name, version } = require('../package.json');
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  require('@oclif/core').execute({ dir: __dirname });
}
