#!/usr/bin/env node
'use strict';
// Benchmark: does reading a big log slow down an unrelated service? (the local runtime serves log
// queries and every component's load balancer on one thread).
//
//   npm run build && node bench/logs.js [baseline-checkout]
//
// A throwaway runtime runs two MicroServices (the example app), `noisy` and `quiet`; noisy's log
// is filled with LOG_MB (default 200) MB while the runtime is stopped, as months of traffic would.
// Then, for PHASE_S seconds each, 4 clients request quiet's /version through its load balancer:
// first alone, then while another client queries noisy's logs back to back (`deployer logs`'
// default: the newest 100 lines; and a --search that matches nothing, so the whole log is read).
// Prints quiet's p50/p99 in both phases and their ratio (measured in one run, so the machine's
// load cancels out). With a baseline checkout (built, e.g. an older commit), it is measured the
// same way in the same run, for a before/after comparison.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const LOG_MB = Number(process.env.LOG_MB ?? 200);
const PHASE_S = Number(process.env.PHASE_S ?? 10);
const CLIENTS = 4;
const NOISY = 'bench.dev.noisy.api';
const QUIET = 'bench.dev.quiet.api';

function request(url, { method = 'GET', token, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function waitFor(condition, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A runtime of `root`'s build in `home`; resolves with its API url and token once it has restored its components. */
async function startRuntime(root, home) {
  const endpointFile = path.join(home, 'local', 'runtime.json');
  fs.rmSync(endpointFile, { force: true });
  const log = fs.openSync(path.join(home, 'runtime.log'), 'a');
  const child = spawn(process.execPath, [path.join(root, 'dist', 'src', 'targets', 'local', 'runtime', 'main.js')], { env: { ...process.env, DEPLOYER_HOME: home }, stdio: ['ignore', log, log] });
  await waitFor(() => fs.existsSync(endpointFile) || child.exitCode !== null, 'the runtime');
  if (child.exitCode !== null) throw new Error(`the runtime exited; see ${path.join(home, 'runtime.log')}`);
  const { url } = JSON.parse(fs.readFileSync(endpointFile, 'utf8'));
  return { child, url, token: fs.readFileSync(path.join(home, 'local', 'runtime.token'), 'utf8') };
}

async function stopRuntime({ child }) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

function microService(version) {
  return {
    kind: 'MicroService',
    image: `notification-api:${version}`,
    command: ['node', 'server.js'],
    workingDir: path.join(ROOT, 'examples', 'apps', 'notification-api'),
    port: 8080,
    environment: { VERSION: version },
    secretEnvironment: {},
    configs: [],
    replicas: 1,
    resources: { cpu: 256, memory: 512 },
    healthCheck: { path: '/health', intervalSeconds: 1, timeoutSeconds: 2, healthyThreshold: 1, unhealthyThreshold: 3, gracePeriodSeconds: 10 },
    healthTimeoutSeconds: 60,
  };
}

/** About `megabytes` MB of log lines, a minute apart, ending an hour ago. */
function fillLog(file, megabytes) {
  const fd = fs.openSync(file, 'w');
  const lineCount = Math.ceil((megabytes * 1024 * 1024) / 200);
  const start = Date.now() - 3600_000 - lineCount * 60;
  const batch = [];
  for (let index = 0; index < lineCount; index += 1) {
    batch.push(JSON.stringify({ at: new Date(start + index * 60).toISOString(), source: 'api-1', stream: 'stdout', message: `INFO request ${index} served in 3 ms for customer ${index % 9973}` }));
    if (batch.length === 10_000 || index === lineCount - 1) {
      fs.writeSync(fd, `${batch.join('\n')}\n`);
      batch.length = 0;
    }
  }
  fs.closeSync(fd);
}

function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
}

/** Latencies of quiet's /version for PHASE_S seconds; with `queryLogs`, noisy's logs are queried meanwhile. */
async function phase(runtime, quietUrl, queryLogs) {
  const deadline = Date.now() + PHASE_S * 1000;
  const latencies = [];
  let queries = 0;
  const client = async () => {
    while (Date.now() < deadline) {
      const started = process.hrtime.bigint();
      await request(`${quietUrl}/version`);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  const logQueries = async () => {
    const logs = `${runtime.url}/v1/components/${NOISY}/logs`;
    while (queryLogs && Date.now() < deadline) {
      await request(`${logs}?limit=100`, { token: runtime.token });
      await request(`${logs}?search=${encodeURIComponent('no such text')}&limit=100`, { token: runtime.token });
      queries += 2;
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, client), logQueries()]);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), requests: latencies.length, queries };
}

async function measure(root) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-logs-'));
  let runtime;
  try {
    runtime = await startRuntime(root, home);
    for (const key of [NOISY, QUIET]) {
      const applied = await request(`${runtime.url}/v1/components/${key}`, { method: 'PUT', token: runtime.token, body: microService('v1.2.0') });
      if (applied.status !== 200) throw new Error(`could not start ${key}: ${applied.body}`);
    }
    await stopRuntime(runtime);
    fillLog(path.join(home, 'local', 'components', NOISY, 'logs.jsonl'), LOG_MB);
    runtime = await startRuntime(root, home);
    const quiet = JSON.parse((await request(`${runtime.url}/v1/components/${QUIET}`, { token: runtime.token })).body);
    const quietUrl = quiet.outputs.url;
    await waitFor(async () => (await request(`${quietUrl}/version`)).status === 200, 'quiet to serve');
    await phase(runtime, quietUrl, false); // warm-up
    const alone = await phase(runtime, quietUrl, false);
    const withQueries = await phase(runtime, quietUrl, true);
    return { alone, withQueries };
  } finally {
    if (runtime) await stopRuntime(runtime);
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function report(label, { alone, withQueries }) {
  console.log(`${label}`);
  console.log(`  quiet alone:                p50 ${alone.p50.toFixed(1)} ms, p99 ${alone.p99.toFixed(1)} ms (${alone.requests} requests)`);
  console.log(`  quiet while noisy's logs are queried: p50 ${withQueries.p50.toFixed(1)} ms, p99 ${withQueries.p99.toFixed(1)} ms (${withQueries.requests} requests, ${withQueries.queries} log queries)`);
  console.log(`  p99 ratio (queried / alone): ${(withQueries.p99 / alone.p99).toFixed(2)}`);
}

async function main() {
  const baseline = process.argv[2] && path.resolve(process.argv[2]);
  console.log(`noisy's log: ${LOG_MB} MB; ${PHASE_S} s per phase, ${CLIENTS} clients`);
  if (baseline) report(`baseline (${baseline})`, await measure(baseline));
  report(`this checkout (${ROOT})`, await measure(ROOT));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
