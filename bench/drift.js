#!/usr/bin/env node
'use strict';
// Benchmark of drift detection on the local target (real Temporal dev server, worker, Pulumi engine).
//
//   npm run build && node bench/drift.js
//
// Deploys a `fleet` stack of SERVICES services of QUEUES SQS queues each (200 components by default,
// one service after another), then prints:
//   1. `drift detect` of one service, end to end through the CLI: median wall time of RUNS runs.
//   2. The drift sweep: the detectDrift workflow as the drift Schedule starts it (every service of
//      the stack, trigger `schedule`), as components checked per hour. Target: at least 20,000.
// One queue's visibility timeout is changed behind deployer's back first, so the sweep must find it.
// Everything runs in a throwaway DEPLOYER_HOME on free ports and is stopped at the end.
//
// Deploying the fleet takes many minutes on a busy machine, so two builds can be compared on one
// fleet: BENCH_KEEP=1 keeps the home (and says where), BENCH_HOME=<that home> reuses it (no deploy;
// `dev start` there runs this build's worker, `dev stop` at the end keeps the fleet for the next).

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { committedRepo, freePort, median } = require('./support');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'run.js');
const API = 'components.deployer.io/v1';
const STACK = 'fleet';
const ENVIRONMENT = 'sweep';
const SERVICES = Number(process.env.BENCH_SERVICES ?? 5);
const QUEUES = Number(process.env.BENCH_QUEUES ?? 40);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_PER_HOUR = 20_000;

function cli(args, env, exitCodes = [0]) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!exitCodes.includes(result.status)) throw new Error(`deployer ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { ms, stdout: result.stdout };
}

/** A deployment repo of one environment (monitoring off) and SERVICES services of QUEUES queues. */
function fleetRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-drift-repo-'));
  fs.cpSync(path.join(ROOT, 'examples', 'deployment-repo'), dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'environments', `${ENVIRONMENT}.yaml`),
    `apiVersion: ${API}\nkind: Environment\nmetadata:\n  name: ${ENVIRONMENT}\nspec:\n  target: local\n  rollout:\n    healthTimeout: 2m\n    monitorWindow: 0s\n`,
  );
  for (let number = 0; number < SERVICES; number += 1) {
    const name = `fleet-${number}`;
    const service = path.join(dir, 'stacks', STACK, 'services', name);
    fs.mkdirSync(service, { recursive: true });
    fs.writeFileSync(path.join(service, 'service.yaml'), `apiVersion: ${API}\nkind: Service\nmetadata:\n  name: ${name}\n  stack: ${STACK}\nspec:\n  team: bench\n  owners: [bench@company.com]\n`);
    for (let index = 0; index < QUEUES; index += 1) {
      const component = path.join(service, 'components', `queue-${index}`);
      fs.mkdirSync(component, { recursive: true });
      fs.writeFileSync(path.join(component, 'sqs.yaml'), `apiVersion: ${API}\nkind: SQS\nmetadata:\n  name: queue-${index}\n  service: ${name}\n  stack: ${STACK}\nspec:\n  type: standard\n`);
    }
  }
  return committedRepo(dir);
}

/** A console change: the runtime's queue gets another visibility timeout, behind deployer's back. */
async function driftOneQueue(home) {
  const { url } = JSON.parse(fs.readFileSync(path.join(home, 'local', 'runtime.json'), 'utf8'));
  const token = fs.readFileSync(path.join(home, 'local', 'runtime.token'), 'utf8');
  const key = `${STACK}.${ENVIRONMENT}.fleet-0.queue-0`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const current = await (await globalThis.fetch(`${url}/v1/components/${key}`, { headers })).json();
  const reply = await globalThis.fetch(`${url}/v1/components/${key}`, { method: 'PUT', headers, body: JSON.stringify({ ...current.actual, visibilityTimeoutSeconds: 99 }) });
  if (reply.status !== 200) throw new Error(`the runtime refused the console change: ${reply.status} ${await reply.text()}`);
}

/** The drift Schedule's run: detectDrift over every service of the stack, trigger `schedule`. */
async function sweep(env) {
  const { Connection, Client } = require('@temporalio/client');
  const { deployerTaskQueue } = require(path.join(ROOT, 'dist', 'src', 'temporal', 'taskQueue'));
  const { DETECT_DRIFT_WORKFLOW } = require(path.join(ROOT, 'dist', 'src', 'temporal', 'drift'));
  const connection = await Connection.connect({ address: env.DEPLOYER_TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection });
    const started = process.hrtime.bigint();
    const result = await client.workflow.execute(DETECT_DRIFT_WORKFLOW, {
      taskQueue: deployerTaskQueue(),
      workflowId: `bench-drift-sweep-${Date.now()}`,
      args: [{ stack: STACK, environment: ENVIRONMENT, trigger: 'schedule', notify: false }],
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const components = result.services.flatMap((service) => service.components);
    const failed = components.filter((component) => component.status === 'error');
    const drifted = components.filter((component) => component.status === 'drifted').map((component) => component.id);
    return { ms, checked: components.length - failed.length, failed, drifted };
  } finally {
    await connection.close();
  }
}

/** A fresh home and repo, or those a kept run left (BENCH_HOME): its `bench-drift.json` says where and on which ports. */
async function fleetHome() {
  if (process.env.BENCH_HOME) return { ...JSON.parse(fs.readFileSync(path.join(process.env.BENCH_HOME, 'bench-drift.json'), 'utf8')), home: process.env.BENCH_HOME, reused: true };
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-drift-'));
  fs.chmodSync(home, 0o711);
  const fleet = { repo: fleetRepo(), port: await freePort(), uiPort: await freePort() };
  fs.writeFileSync(path.join(home, 'bench-drift.json'), JSON.stringify(fleet));
  return { ...fleet, home, reused: false };
}

async function main() {
  const { home, repo, port, uiPort, reused } = await fleetHome();
  const keep = reused || process.env.BENCH_KEEP === '1';
  const env = { DEPLOYER_HOME: home, DEPLOYER_REPO: repo, DEPLOYER_USER: 'bench@company.com', DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
  try {
    cli(['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)], env);
    const deployStarted = process.hrtime.bigint();
    // One service after another, each a wave of QUEUES engines: all five at once (200 engines on a
    // busy 2-core machine) had not finished after 30 minutes, engines timing out and retrying.
    if (!reused) for (let number = 0; number < SERVICES; number += 1) cli(['apply', '--stack', STACK, '--service', `fleet-${number}`, '--environment', ENVIRONMENT], env);
    const deploySeconds = Number(process.hrtime.bigint() - deployStarted) / 1e9;
    await driftOneQueue(home);

    // fleet-0 holds the changed queue (exit 5); fleet-1 has no drift (exit 0).
    const detect = Array.from({ length: RUNS }, () => cli(['drift', 'detect', '--stack', STACK, '--service', 'fleet-0', '--environment', ENVIRONMENT], env, [5]).ms);
    const swept = await sweep(env);
    const total = SERVICES * QUEUES;
    const perHour = (swept.checked / swept.ms) * 3_600_000;
    if (!reused) console.log(`Deployed ${total} components (${SERVICES} services of ${QUEUES} queues, one after another) in ${deploySeconds.toFixed(1)} s`);
    console.log(`drift detect of one service (${QUEUES} components, median of ${RUNS}): ${(median(detect) / 1000).toFixed(1)} s`);
    console.log(
      `Drift sweep: ${swept.checked} components in ${(swept.ms / 1000).toFixed(1)} s = ${Math.round(perHour)} components/hour   target >= ${TARGET_PER_HOUR}: ${perHour >= TARGET_PER_HOUR ? 'met' : 'MISSED'}` +
        `   [drifted: ${swept.drifted.join(', ') || 'none'}; failed checks: ${swept.failed.length}]`,
    );
    if (swept.failed.length) console.log(`First failed check: ${swept.failed[0].id}: ${swept.failed[0].error}`);
    if (!swept.drifted.includes('fleet-0/queue-0')) throw new Error('the sweep missed the queue changed behind deployer\'s back');
  } finally {
    cli(['dev', 'stop'], env);
    if (keep) {
      console.log(`Fleet kept: BENCH_HOME=${home}`);
    } else {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(repo, { recursive: true, force: true });
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
