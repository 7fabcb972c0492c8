'use strict';
// Preloaded into the Pulumi dynamic-provider plugin (see setup.js), which the engine starts for
// every run that touches a local component. The plugin needs @pulumi/pulumi's runtime, whose index
// also loads closure serialization (TypeScript's parser and npm's arborist): about 0.45 s of CPU per
// engine run, on the deployment's critical path, for code a provider host never calls (it runs
// providers the program serialized; it serializes nothing). Those modules now load on first use.

const Module = require('node:module');
const path = require('node:path');

const runtimeIndex = path.join(path.dirname(require.resolve('@pulumi/pulumi/package.json')), 'runtime', 'index.js');

/** What runtime/index.js takes from each module it loads eagerly (@pulumi/pulumi 3.248). */
const deferred = new Map([
  ['./closure/serializeClosure', ['serializeFunctionAsync', 'serializeFunction']],
  ['./closure/codePaths', ['computeCodePaths']],
]);

const load = Module._load;
Module._load = function loadDeferringClosureSerialization(request, parent, isMain) {
  const names = parent && parent.filename === runtimeIndex ? deferred.get(request) : undefined;
  if (!names) return load.apply(this, arguments);
  const real = () => load.call(this, request, parent, isMain);
  return Object.fromEntries(names.map((name) => [name, (...args) => real()[name](...args)]));
};
