'use strict';
// `deployer` as a command after `npm run setup`: a link in .tools/bin, beside the tools setup installs,
// so one line (`export PATH="$PWD/.tools/bin:$PATH"`, the README's first command) makes it runnable.
// Not `npm link`: that writes into npm's global prefix, which CI and many machines may not write to
// (docs/decisions.md, The deployer command). A link as npm makes in node_modules/.bin: Node runs
// bin/run.js by its real path, so it finds this checkout's dist/ and node_modules/.

const fs = require('node:fs');
const path = require('node:path');

const runScript = path.resolve(__dirname, '..', 'bin', 'run.js');

/** Links <toolsBin>/deployer to this checkout's bin/run.js; returns the link's path. */
function linkDeployerCommand(toolsBin) {
  const command = path.join(toolsBin, 'deployer');
  fs.mkdirSync(toolsBin, { recursive: true });
  fs.rmSync(command, { force: true });
  fs.symlinkSync(runScript, command);
  return command;
}

module.exports = { linkDeployerCommand };
