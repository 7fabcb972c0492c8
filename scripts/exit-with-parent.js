'use strict';
// Preloaded into the Pulumi dynamic-provider plugin (see setup.js): the engine starts the plugin in
// a process group of its own, so when the engine is killed (a worker lost mid-deployment) nothing
// ends the plugin. It exits once its parent is gone, that is once it has been re-parented.

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1000).unref();
