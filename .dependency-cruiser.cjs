// @ts-check
// The layer rules (docs/decisions.md, "Layers"), checked by `npm run lint:layers` as part of `npm test`.
// Rooms, lowest first:
//   src/          the core: model, plan, targets, pulumi, releases, drift, state, trust, temporal contracts;
//                 src/model lowest of all, src/client (what the CLI and the Slack app share) highest
//   activities/   Temporal activities over ports (imports src/)
//   workflows/    deterministic Temporal workflows (imports src/temporal contracts and pure src modules,
//                 and the activities only as a type, through activities/index.ts); what they load at run
//                 time is checked by .dependency-cruiser.workflows.cjs
//   worker/       production wiring of ports into activities and workflows (imports all of the above)
//   cli/, slack/  Temporal clients and presentation (import src/; slack/ never imports cli/)
// Type-only imports count, except where a rule says otherwise: a contract type lives in the room
// every user of it may import (src/temporal for the inputs and results of workflows and activities).

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle, type-only ones included: a cycle means two modules belong in one room or a type is in the wrong one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-is-the-core',
      severity: 'error',
      comment: 'src/ is the lowest room: it never imports the CLI, workflows, activities, the worker or the Slack app.',
      from: { path: '^src/' },
      to: { path: '^(cli|workflows|activities|worker|slack)/' },
    },
    {
      name: 'model-is-the-floor',
      severity: 'error',
      comment: 'src/model reads the deployment repo; every other part of the core builds on it, so it imports none of them (targets and trust aside: the model checks specs with them).',
      from: { path: '^src/model/' },
      to: { path: '^src/(plan|releases|drift|notify|temporal|state|pulumi|devenv|client)/' },
    },
    {
      name: 'client-is-for-clients',
      severity: 'error',
      comment: 'src/client holds what the CLI and the Slack app share; the rest of the core, activities, workflows and the worker never need it.',
      from: { path: '^(src|activities|workflows|worker)/', pathNot: '^src/client/' },
      to: { path: '^src/client/' },
    },
    {
      name: 'slack-is-a-client',
      severity: 'error',
      comment: 'The Slack app is a Temporal client beside the CLI: it never imports the CLI (what both need lives in src/client) nor worker-side code.',
      from: { path: '^slack/' },
      to: { path: '^(cli|workflows|activities|worker)/' },
    },
    {
      name: 'activities-not-to-clients-or-wiring',
      severity: 'error',
      comment: 'Activities run in the worker over ports; they never import the CLI, the Slack app, the worker wiring or workflow code.',
      from: { path: '^activities/' },
      to: { path: '^(cli|slack|worker|workflows)/' },
    },
    {
      name: 'cli-not-to-worker-side',
      severity: 'error',
      comment: 'The CLI is a Temporal client: it talks to workflows through src/temporal contracts, never by importing worker, activity or workflow code.',
      from: { path: '^cli/' },
      to: { path: '^(worker|activities|workflows|slack)/' },
    },
    {
      name: 'workflows-activities-by-type-only',
      severity: 'error',
      comment: 'Workflows see activities only as the DeployerActivities type from activities/index.ts (for proxyActivities); contract types live in src/temporal.',
      from: { path: '^workflows/' },
      to: { path: '^activities/', pathNot: '^activities/index\\.ts$' },
    },
    {
      name: 'workflows-activities-index-type-only',
      severity: 'error',
      comment: 'Workflows import activities/index.ts only with `import type`: activity code runs in the worker, never in the workflow sandbox.',
      from: { path: '^workflows/' },
      to: { path: '^activities/index\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-not-to-clients-or-wiring',
      severity: 'error',
      comment: 'Workflows never import the CLI, the Slack app or the worker wiring.',
      from: { path: '^workflows/' },
      to: { path: '^(cli|slack|worker)/' },
    },
    {
      name: 'worker-not-to-clients',
      severity: 'error',
      comment: 'The worker wires ports into activities and workflows; it never imports the CLI or the Slack app.',
      from: { path: '^worker/' },
      to: { path: '^(cli|slack)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  // `npm run lint:layers` names the product rooms on the command line: tests, benches and scripts may
  // reach into any room.
  options: {
    // Type-only imports count: a type import makes the reader depend on the type's room too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.build.json' },
    doNotFollow: { path: 'node_modules' },
    // Resolve packages the way Node does for this CommonJS build (several, like @oclif/core, have only `exports`).
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'], mainFields: ['main', 'types'] },
    exclude: { path: '(^|/)dist/' },
    cache: false,
  },
};
