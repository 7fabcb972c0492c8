#!/usr/bin/env node
'use strict';
// Writes oclif.manifest.json after a build: with it, oclif starts without requiring every command
// module to learn its flags, and loads only the command being run (docs/decisions.md, CLI start-up).

const fs = require('node:fs');
const path = require('node:path');
const { Config } = require('@oclif/core');

async function main() {
  const root = path.resolve(__dirname, '..');
  const file = path.join(root, 'oclif.manifest.json');
  // A stale manifest would hide new commands while the config loads; compute from the modules.
  fs.rmSync(file, { force: true });
  const config = await Config.load(root);
  const plugin = config.plugins.get(config.pjson.name);
  fs.writeFileSync(file, JSON.stringify(plugin.manifest));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
