#!/usr/bin/env node
// The `deployer` binary: oclif loads the compiled commands from dist/cli/commands.
require('@oclif/core').execute({ dir: __dirname });
