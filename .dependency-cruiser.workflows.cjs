// @ts-check
// The workflow sandbox rule, checked by `npm run lint:layers` beside .dependency-cruiser.cjs. It looks
// at what workflow code loads when it runs (type-only imports are gone after compilation, so the
// DeployerActivities type does not count), transitively: everything Temporal bundles for the sandbox.
const { builtinModules } = require('node:module');
const base = require('./.dependency-cruiser.cjs');

const escapeRegExp = (name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const NODE_BUILTINS = `^(node:)?(${builtinModules.map(escapeRegExp).join('|')})$`;
/** npm packages workflow code may load: Temporal's workflow API (add a pure, IO-free library here on purpose). */
const SANDBOX_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'workflows-deterministic',
      severity: 'error',
      comment:
        'Workflow code runs in the deterministic sandbox: nothing it loads may reach a Node builtin, an npm package outside ' +
        `${SANDBOX_PACKAGES.join(', ')}, or a module of ours that does IO through one. Move IO into an activity, or the pure ` +
        'part of a module into its own file.',
      from: { path: '^workflows/' },
      to: {
        reachable: true,
        // (`(^|/)node_modules/`: a worktree's node_modules may be a link to another checkout's)
        path: [NODE_BUILTINS, '(^|/)node_modules/'],
        pathNot: SANDBOX_PACKAGES.map((name) => `(^|/)node_modules/${escapeRegExp(name)}/`),
      },
    },
  ],
  options: { ...base.options, tsPreCompilationDeps: false },
};
