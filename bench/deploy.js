#!/usr/bin/env node
'use strict';
// Benchmark of deployments on the local target (real Temporal dev server, worker, Pulumi engine).
//
//   npm run build && node bench/deploy.js
//
// Prints:
//   1. No-op apply (nothing changed), `deployer apply` end to end: median wall time of RUNS runs,
//      beside `node -e 0` measured in the same run. Target: under 2 s.
//   2. Orchestration overhead: wall time of `deployer apply` creating notification-service
//      (database, cache, queue, then api) divided by the bare engine `up` times on its critical
//      path (the slowest of wave 1, plus api), measured in the same run on a twin environment.
//      The monitoring window is 0 in both environments: it is a deliberate wait, not overhead.
//      Medians of OVERHEAD_RUNS creations, each in an environment of its own. Target: at most 1.10.
//   3. Workflow history events of one deployment of a service with 4 and with 40 components
//      (SQS queues): history grows with components, not with time.
//   4. Wave scaling: the wall time of applying the 40 queues (one wave) over the 4. Target: at most 2.
// Everything runs in a throwaway DEPLOYER_HOME on free ports and is stopped at the end.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { committedRepo, freePort, median } = require('./support');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'run.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
// Each creation takes ~20 s with its bare twin; a median of three, so one slow engine start does not decide the figure.
const OVERHEAD_RUNS = Math.min(RUNS, 3);
const ORCHESTRATED = Array.from({ length: OVERHEAD_RUNS }, (_, index) => `orchestrated-${index + 1}`);
const BARE = Array.from({ length: OVERHEAD_RUNS }, (_, index) => `bare-${index + 1}`);
const API = 'components.deployer.io/v1';

function cli(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`deployer ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/** The example repo with benchmark environments: monitoring off, absolute app dir, plus a `wide` stack of queues. */
function benchRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-repo-'));
  fs.cpSync(path.join(ROOT, 'examples', 'deployment-repo'), dir, { recursive: true });
  const app = path.join(ROOT, 'examples', 'apps', 'notification-api');
  for (const name of [...ORCHESTRATED, ...BARE]) {
    fs.writeFileSync(
      path.join(dir, 'environments', `${name}.yaml`),
      `apiVersion: ${API}\nkind: Environment\nmetadata:\n  name: ${name}\nspec:\n  target: local\n  rollout:\n    healthTimeout: 2m\n    monitorWindow: 0s\n  local:\n    images:\n      notification-api: { command: [node, server.js], workingDir: ${app} }\n      user-api: { command: [node, server.js], workingDir: ${app} }\n`,
    );
  }
  for (const count of [4, 40]) {
    const service = path.join(dir, 'stacks', 'wide', 'services', `queues-${count}`);
    fs.mkdirSync(service, { recursive: true });
    fs.writeFileSync(path.join(service, 'service.yaml'), `apiVersion: ${API}\nkind: Service\nmetadata:\n  name: queues-${count}\n  stack: wide\nspec:\n  team: bench\n  owners: [bench@company.com]\n`);
    for (let index = 0; index < count; index += 1) {
      const component = path.join(service, 'components', `queue-${index}`);
      fs.mkdirSync(component, { recursive: true });
      fs.writeFileSync(path.join(component, 'sqs.yaml'), `apiVersion: ${API}\nkind: SQS\nmetadata:\n  name: queue-${index}\n  service: queues-${count}\n  stack: wide\nspec:\n  type: standard\n`);
    }
  }
  return committedRepo(dir);
}

async function bareUps(home, repo, environment) {
  process.env.DEPLOYER_HOME = home;
  const { loadDesiredStack } = require(path.join(ROOT, 'dist/src/model/loadRepo'));
  const { ComponentStacks } = require(path.join(ROOT, 'dist/src/pulumi/componentStacks'));
  const { localBackend } = require(path.join(ROOT, 'dist/src/pulumi/backend'));
  const { targetFor } = require(path.join(ROOT, 'dist/src/targets/targetFor'));
  const { componentDeployment } = require(path.join(ROOT, 'dist/src/targets/deployment'));
  const { resolveValueFrom } = require(path.join(ROOT, 'dist/src/targets/resolveValueFrom'));
  const stacks = new ComponentStacks(localBackend(home));
  const desired = loadDesiredStack({ root: repo, stack: 'user-platform', environment, variables: { VERSION: 'v1.2.0' } });
  const outputs = new Map();
  const up = async (id) => {
    const component = desired.services.flatMap((service) => service.components).find((candidate) => candidate.id === id);
    const [service, name] = id.split('/');
    const deployment = componentDeployment('user-platform', desired.environment, component, { resolved: resolveValueFrom(component, (source) => outputs.get(source)) });
    const stackId = { project: 'user-platform', stack: `${service}.${name}.${environment}` };
    const program = targetFor(desired.environment.spec).program(deployment);
    const outcome = await stacks.up(stackId, program, {});
    outputs.set(id, await stacks.outputs(stackId, program));
    return outcome.durationMs;
  };
  await up('user-service/database');
  await up('user-service/api');
  const wave1 = await Promise.all(['notification-service/database', 'notification-service/cache', 'notification-service/queue'].map(up));
  const api = await up('notification-service/api');
  return { wave1, api, criticalPath: Math.max(...wave1) + api };
}

async function historyEvents(env, workflowId) {
  const { Connection, Client } = require('@temporalio/client');
  const connection = await Connection.connect({ address: env.DEPLOYER_TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection });
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return history.events.length;
  } finally {
    await connection.close();
  }
}

async function main() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-'));
  fs.chmodSync(home, 0o711);
  const repo = benchRepo();
  const port = await freePort();
  const env = { DEPLOYER_HOME: home, DEPLOYER_REPO: repo, DEPLOYER_USER: 'bench@company.com', DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
  try {
    cli(['dev', 'start', '--port', String(port), '--ui-port', String(await freePort())], env);
    const apply = (args) => cli(['apply', '--var', 'VERSION=v1.2.0', ...args], env);

    const creations = [];
    for (const [index, environment] of ORCHESTRATED.entries()) {
      apply(['--service', 'user-service', '--environment', environment]);
      const orchestrated = apply(['--service', 'notification-service', '--environment', environment]);
      creations.push({ orchestrated: orchestrated.ms, bare: await bareUps(home, repo, BARE[index]) });
    }
    const events4Real = await historyEvents(env, `deploy/user-platform/${ORCHESTRATED[0]}/notification-service`);

    const noop = [];
    const node = [];
    for (let run = 0; run < RUNS; run += 1) {
      noop.push(apply(['--service', 'notification-service', '--environment', ORCHESTRATED[0]]).ms);
      const started = process.hrtime.bigint();
      spawnSync(process.execPath, ['-e', '0']);
      node.push(Number(process.hrtime.bigint() - started) / 1e6);
    }

    const wide = {};
    for (const count of [4, 40]) {
      const run = cli(['apply', '--stack', 'wide', '--service', `queues-${count}`, '--environment', ORCHESTRATED[0]], env);
      wide[count] = { events: await historyEvents(env, `deploy/wide/${ORCHESTRATED[0]}/queues-${count}`), ms: run.ms };
    }

    const orchestrated = median(creations.map((creation) => creation.orchestrated));
    const criticalPath = median(creations.map((creation) => creation.bare.criticalPath));
    const ratio = orchestrated / criticalPath;
    const seconds = (ms) => (ms / 1000).toFixed(1);
    const each = creations.map((creation) => `${seconds(creation.orchestrated)}/${seconds(creation.bare.criticalPath)}`).join(', ');
    console.log(`No-op apply (end to end, median of ${RUNS}): ${median(noop).toFixed(0)} ms   [node -e 0: ${median(node).toFixed(0)} ms]   target < 2000 ms: ${median(noop) < 2000 ? 'met' : 'MISSED'}`);
    console.log(`Orchestration overhead (median of ${OVERHEAD_RUNS}): apply ${seconds(orchestrated)} s / bare critical path ${seconds(criticalPath)} s (each: ${each} s) = ${ratio.toFixed(2)}   target <= 1.10: ${ratio <= 1.1 ? 'met' : 'MISSED'}`);
    console.log(`History events per deployment: notification-service (4 components) ${events4Real}; 4 queues ${wide[4].events}; 40 queues ${wide[40].events} (${(wide[40].events / wide[4].events).toFixed(1)}x for 10x components)`);
    const scaling = wide[40].ms / wide[4].ms;
    console.log(`Wave scaling: 40 components ${(wide[40].ms / 1000).toFixed(1)} s / 4 components ${(wide[4].ms / 1000).toFixed(1)} s = ${scaling.toFixed(2)}   target <= 2: ${scaling <= 2 ? 'met' : 'MISSED'}`);
  } finally {
    cli(['dev', 'stop'], env);
    fs.rmSync(home, { recursive: true, force: true });
    fs.rmSync(repo, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
