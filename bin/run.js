#!/usr/bin/env node
// The `deployer` binary: oclif loads the compiled commands from dist/cli/commands.

// `--version` answers without loading oclif (most of the start-up time), in oclif's own format.
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { name, version } = require('../package.json');
  process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // Every other command loads oclif, and most the Temporal client, whose generated protobuf code
  // takes V8 a third of a second to compile: cached compiled code (in the OS temp dir) cuts about
  // a third of that from each run. DISABLE_V8_COMPILE_CACHE=1 turns it off.
  require('v8-compile-cache');
  require('@oclif/core').execute({ dir: __dirname });
}
