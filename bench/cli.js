#!/usr/bin/env node
'use strict';
// Benchmark of CLI start-up: `deployer --version`, and `deployer status` against a running dev
// server with the example's notification-service deployed on the local target.
//
//   npm run build && node bench/cli.js
//
// Prints the median wall time of RUNS runs of each, beside `node -e 0` measured in the same run
// (targets: --version under 350 ms, status under 800 ms). Runs in a throwaway DEPLOYER_HOME on free
// ports and stops everything it started.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, median } = require('./support');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'run.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const REPO = path.join(ROOT, 'examples', 'deployment-repo');

function timed(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout: result.stdout };
}

async function main() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-cli-'));
  fs.chmodSync(home, 0o711);
  const port = await freePort();
  const env = { DEPLOYER_HOME: home, DEPLOYER_REPO: REPO, DEPLOYER_USER: 'bench@company.com' };
  try {
    timed([CLI, 'dev', 'start', '--port', String(port), '--ui-port', String(await freePort())], env);
    timed([CLI, 'apply', '--stack', 'user-platform', '--environment', 'development', '--var', 'VERSION=v1.2.0'], env);
    const status = [CLI, 'status', '--service', 'notification-service', '--environment', 'development'];
    if (!timed(status, env).stdout.includes('2/2 running')) throw new Error('status does not show the deployed api');
    const figures = { node: [], version: [], status: [] };
    for (let run = 0; run < RUNS; run += 1) {
      figures.node.push(timed(['-e', '0'], env).ms);
      figures.version.push(timed([CLI, '--version'], env).ms);
      figures.status.push(timed(status, env).ms);
    }
    const line = (label, values, target) => `${label.padEnd(18)} median ${median(values).toFixed(0).padStart(5)} ms   target < ${target} ms: ${median(values) < target ? 'met' : 'MISSED'}`;
    console.log(`node -e 0          median ${median(figures.node).toFixed(0).padStart(5)} ms   (baseline, same run)`);
    console.log(line('deployer --version', figures.version, 350));
    console.log(line('deployer status', figures.status, 800));
  } finally {
    spawnSync(process.execPath, [CLI, 'dev', 'stop'], { env: { ...process.env, ...env } });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
