#!/usr/bin/env node
'use strict';
// Benchmark of what clients read through Temporal (issue "one truth for every client").
//
//   npm run build && node bench/stateReads.js
//
// For each state store (files, then the local PostgreSQL of `dev start --state postgres`), with a
// service whose release log holds 1,000 releases, prints medians of RUNS runs, all in one run:
//   - `deployer --version`: the CLI's own start-up, the floor under every command;
//   - reading those 1,000 releases straight from a newly opened store, in process (what a CLI on the worker's
//     machine used to do, before start-up);
//   - `deployer history` from an empty DEPLOYER_HOME given only the server's gRPC address, through
//     Temporal's HTTP API (assumed beside it, as `dev start` opens it) and the worker. Target: < 500 ms;
//     and the same over gRPC (HTTP address `none`: the SDK's client), for comparison;
//   - `deployer plan` of the example's notification-service from an empty home, compared with what
//     is deployed through Temporal, beside the same plan on the repo alone (no Temporal). Target: < 1.5 s.
// Everything runs in throwaway DEPLOYER_HOMEs on free ports and is stopped at the end.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, median } = require('./support');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'run.js');
const REPO = path.join(ROOT, 'examples', 'deployment-repo');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const RELEASES = 1000;
const STACK = 'user-platform';
const ENVIRONMENT = 'development';
const SERVICE = 'notification-service';

function cli(args, env, exitCodes = [0]) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (!exitCodes.includes(result.status)) throw new Error(`deployer ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

function medianMs(runs, run) {
  return median(Array.from({ length: runs }, run));
}

/**
 * What the worker would have recorded: `count` releases of a service of the example, the newest at
 * v1.2.0 as the repo says, so a plan of v1.2.0 has nothing to do.
 */
function records(service, count) {
  const { loadDesiredStack } = require(path.join(ROOT, 'dist', 'src', 'model', 'loadRepo'));
  const desired = loadDesiredStack({ root: REPO, stack: STACK, environment: ENVIRONMENT, variables: { VERSION: 'v1.2.0' } });
  const spec = desired.services.find((each) => each.name === service);
  // As released: without where in the repo each component was read from.
  const components = spec.components.map((component) => Object.fromEntries(Object.entries(component).filter(([key]) => key !== 'source')));
  return Array.from({ length: count }, (_, index) => {
    const at = new Date(Date.now() - (count - index) * 3_600_000).toISOString();
    const version = index === count - 1 ? 'v1.2.0' : `v0.${index}.0`;
    return { stack: STACK, environment: ENVIRONMENT, service, version, deployedBy: 'alice@company.com', startedAt: at, finishedAt: at, result: 'succeeded', workflowId: `deploy/${STACK}/${ENVIRONMENT}/${service}`, components, serviceSpec: spec.spec, environmentSpec: desired.environment.spec, groups: desired.groups };
  });
}

async function measure(mode) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `deployer-bench-${mode}-`));
  // As root the state database runs as the `postgres` user, which must reach its directory.
  fs.chmodSync(home, 0o755);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-client-'));
  // The dev server opens its HTTP API beside its gRPC port (+10), which a client then assumes untold.
  const { freePortWithFreeNeighbour } = require(path.join(ROOT, 'dist', 'src', 'tcpPorts'));
  const { HTTP_PORT_OFFSET } = require(path.join(ROOT, 'dist', 'src', 'devenv', 'endpoints'));
  const [port, uiPort] = [await freePortWithFreeNeighbour(HTTP_PORT_OFFSET), await freePort()];
  const workerEnv = { DEPLOYER_HOME: home, DEPLOYER_KEEP_RELEASES: String(RELEASES) };
  // As a second machine would be set up: the server's address, nothing else.
  const clientEnv = { DEPLOYER_HOME: empty, DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${port}`, DEPLOYER_CONFIG: path.join(empty, 'none.json') };
  try {
    cli(['dev', 'start', '--state', mode, '--port', String(port), '--ui-port', String(uiPort)], workerEnv);
    const httpAddress = JSON.parse(fs.readFileSync(path.join(home, 'dev', 'dev.json'), 'utf8')).temporalHttpAddress;
    if (httpAddress !== `127.0.0.1:${port + HTTP_PORT_OFFSET}`) throw new Error(`the dev server's HTTP API is at ${httpAddress}, not beside its gRPC port`);
    const url = mode === 'postgres' ? fs.readFileSync(path.join(home, 'dev', 'state-db.url'), 'utf8') : undefined;
    const { openStateStore } = require(path.join(ROOT, 'dist', 'src', 'state', 'stateStore'));
    // The stores read their retention from the process's environment, as the worker's do.
    process.env.DEPLOYER_KEEP_RELEASES = String(RELEASES);
    const store = openStateStore(home, { ...process.env, ...workerEnv, DEPLOYER_STATE_URL: url ?? '' });
    // notification-service reads user-service's url: it is deployed too.
    for (const record of [...records('user-service', 1), ...records(SERVICE, RELEASES)]) await store.releases.append(record);

    await store.close();
    const reads = [];
    for (let run = 0; run < RUNS; run += 1) {
      // A store opened for each read, as a new process would: the file backend keeps what it parsed.
      const started = process.hrtime.bigint();
      const fresh = openStateStore(home, { ...process.env, ...workerEnv, DEPLOYER_STATE_URL: url ?? '' });
      const history = await fresh.releases.history(STACK, ENVIRONMENT, SERVICE);
      reads.push(Number(process.hrtime.bigint() - started) / 1e6);
      await fresh.close();
      if (history.length !== RELEASES) throw new Error(`the store holds ${history.length} releases, not ${RELEASES}`);
    }

    const historyArgs = ['history', '--stack', STACK, '--service', SERVICE, '--environment', ENVIRONMENT];
    const planArgs = ['plan', '--stack', STACK, '--service', SERVICE, '--environment', ENVIRONMENT, '--var', 'VERSION=v1.2.0'];
    // Once before timing: the worker's first read bundles nothing, but its first connection is slower.
    if (!cli(historyArgs, clientEnv).stdout.includes('v1.2.0')) throw new Error('history from the empty home does not show the newest release');
    if (!cli(planArgs, clientEnv).stdout.includes('No changes')) throw new Error('plan from the empty home is not a no-op');
    const noTemporal = { ...clientEnv, DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    return {
      startup: medianMs(RUNS, () => cli(['--version'], clientEnv).ms),
      storeRead: median(reads),
      history: medianMs(RUNS, () => cli(historyArgs, clientEnv).ms),
      // The same over gRPC, measured beside it: the SDK's client is most of a CLI run's CPU.
      historyGrpc: medianMs(RUNS, () => cli(historyArgs, { ...clientEnv, DEPLOYER_TEMPORAL_HTTP_ADDRESS: 'none' }).ms),
      plan: medianMs(RUNS, () => cli(planArgs, clientEnv).ms),
      // Exit 1: alone, the repo's plan cannot show user-service deployed, which notification-service reads.
      planRepoOnly: medianMs(RUNS, () => cli(planArgs, noTemporal, [1]).ms),
    };
  } finally {
    spawnSync(process.execPath, [CLI, 'dev', 'stop'], { env: { ...process.env, ...workerEnv }, stdio: 'ignore' });
    for (const dir of [home, empty]) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const figures = {};
  for (const mode of ['file', 'postgres']) figures[mode] = await measure(mode);
  const row = (label, key, target) => `${label.padEnd(58)}${['file', 'postgres'].map((mode) => `${figures[mode][key].toFixed(0).padStart(8)} ms`).join('  ')}${target ? `   (target < ${target} ms)` : ''}`;
  console.log(`State reads, ${RELEASES} releases of ${SERVICE}; medians of ${RUNS} runs`);
  console.log(`${''.padEnd(58)}${'files'.padStart(11)}  ${'PostgreSQL'.padStart(11)}`);
  console.log(row('deployer --version (CLI start-up)', 'startup'));
  console.log(row(`read ${RELEASES} releases from the store, in process`, 'storeRead'));
  console.log(row('deployer history, empty home, Temporal\'s HTTP API (untold)', 'history', 500));
  console.log(row('  the same over gRPC', 'historyGrpc'));
  console.log(row('deployer plan, empty home, compared through Temporal', 'plan', 1500));
  console.log(row('deployer plan, repo alone (no Temporal)', 'planRepoOnly'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
