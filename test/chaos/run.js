#!/usr/bin/env node
'use strict';
// Chaos test: real deployments on the local target while the worker, the local runtime, the
// Temporal dev server, the Pulumi engine and its provider plugin are killed (SIGKILL, by pid) at
// random moments and brought back the way a user would (`deployer dev start`).
//
//   npm run build && node test/chaos/run.js        (DEPLOYMENTS=30 SEED=1 KILL_EVERY_S=4-12)
//
// Three services of one MicroService each take turns deploying; every third release is a bad one
// (the example app's `-errors` images fail one /notifications request in three) that monitoring
// must roll back. A load generator keeps requests flowing through each service's load balancer.
// Once every deployment has ended, with nothing killed any more, it checks:
//   - every deployment ended (a terminal workflow status), none is left running;
//   - per service, what serves (GET /version through the load balancer), what the runtime's record
//     says and what the Pulumi state says are the last successful release's version;
//   - no bad release is recorded `succeeded`;
//   - no Pulumi lock is left, and no process of this run outlives `deployer dev stop` or runs outside
//     the tree of the processes `dev start` manages (orphans).
// It prints the counts and exits 1 when any check fails. Everything runs in a throwaway
// DEPLOYER_HOME on free loopback ports and is stopped at the end.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { committedRepo, freePort } = require('../../bench/support');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'run.js');
const API = 'components.deployer.io/v1';
const STACK = 'chaos';
const ENVIRONMENT = 'chaos';
const SERVICES = ['alpha', 'beta', 'gamma'];
const DEPLOYMENTS = Number(process.env.DEPLOYMENTS ?? 30);
const [KILL_MIN_S, KILL_MAX_S] = (process.env.KILL_EVERY_S ?? '4-12').split('-').map(Number);
/** The whole run is bounded: what has not ended by then counts as hung. */
const DEADLINE_MS = Number(process.env.CHAOS_DEADLINE_MIN ?? 40) * 60_000;
const VICTIMS = ['worker', 'runtime', 'temporal', 'engine', 'plugin'];

// A small seeded generator, so a failing run can be repeated with its SEED.
let seed = Number(process.env.SEED ?? Date.now() % 100000);
const firstSeed = seed;
function random() {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
}
const pick = (items) => items[Math.floor(random() * items.length)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message) {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

function chaosRepo() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-chaos-repo-'));
  const app = path.join(ROOT, 'examples', 'apps', 'notification-api');
  const write = (file, text) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('deployer.yaml', `apiVersion: ${API}\nkind: Repository\nmetadata:\n  name: chaos\nspec:\n  groups:\n    platform-team: [chaos@company.com]\n`);
  write(
    `environments/${ENVIRONMENT}.yaml`,
    `apiVersion: ${API}\nkind: Environment\nmetadata:\n  name: ${ENVIRONMENT}\nspec:\n  target: local\n  approval:\n    required: false\n` +
      `  rollout:\n    healthTimeout: 60s\n    monitorWindow: 8s\n    checkInterval: 1s\n  local:\n    images:\n      notification-api: { command: [node, server.js], workingDir: ${app} }\n`,
  );
  for (const service of SERVICES) {
    write(`stacks/${STACK}/services/${service}/service.yaml`, `apiVersion: ${API}\nkind: Service\nmetadata:\n  name: ${service}\n  stack: ${STACK}\nspec:\n  team: chaos\n  owners: [chaos@company.com]\n`);
    write(
      `stacks/${STACK}/services/${service}/components/api/microservice.yaml`,
      `apiVersion: ${API}\nkind: MicroService\nmetadata:\n  name: api\n  service: ${service}\n  stack: ${STACK}\nspec:\n  image: notification-api:\${VERSION}\n  port: 8080\n` +
        `  healthCheck: { path: /health, healthyThreshold: 2, gracePeriodSeconds: 20 }\n  scaling: { replicas: 2 }\n`,
    );
  }
  return committedRepo(dir);
}

function get(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const request = http.get(url, { timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}

async function main() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-chaos-home-'));
  const repo = chaosRepo();
  const port = await freePort();
  const uiPort = await freePort();
  const env = { DEPLOYER_HOME: home, DEPLOYER_REPO: repo, DEPLOYER_USER: 'chaos@company.com', DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${port}` };
  process.env.DEPLOYER_HOME = home;
  const started = Date.now();
  const deadline = started + DEADLINE_MS;
  log(`seed ${firstSeed}, DEPLOYER_HOME ${home}, Temporal on 127.0.0.1:${port}`);

  const cli = (args, { quiet = false } = {}) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
    if (result.status !== 0 && !quiet) log(`deployer ${args.join(' ')} exited ${result.status}: ${(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    return result;
  };
  const devDir = path.join(home, 'dev');
  const pidOf = (name) => {
    try {
      const pid = Number(fs.readFileSync(path.join(devDir, `${name}.pid`), 'utf8'));
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  };
  /** Brings back whatever is not running, as a user would; retried because what it starts may be killed again. */
  let restarting = Promise.resolve();
  const devStart = () => (restarting = restarting.then(async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      if (cli(['dev', 'start', '--port', String(port), '--ui-port', String(uiPort)]).status === 0) return;
      await sleep(2000);
    }
    throw new Error('deployer dev start kept failing');
  }));

  const counts = { deployments: 0, kills: Object.fromEntries(VICTIMS.map((victim) => [victim, 0])), startRetries: 0, diedByThemselves: 0, phases: {} };
  const outcomes = [];
  let stopChaos = false;
  const { Connection, Client } = require('@temporalio/client');
  let client;
  // Connections are replaced after a server kill but closed only at the end: another lane may still
  // have a call in flight on the old one, and gRPC throws from a timer on a closed channel.
  const connections = [];
  const temporal = async () => {
    if (!client) {
      const connection = await Connection.connect({ address: env.DEPLOYER_TEMPORAL_ADDRESS, connectTimeout: 2000 });
      connections.push(connection);
      client = new Client({ connection, namespace: 'default' });
    }
    return client;
  };
  const dropClient = () => {
    client = undefined;
  };
  const closeConnections = () => Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));

  try {
    await devStart();
    // Traffic through each service's load balancer, all along: monitoring needs requests to judge.
    const urls = {};
    const load = (async () => {
      while (!stopChaos) {
        await Promise.all(SERVICES.map(async (service) => {
          const url = urls[service];
          if (url) await get(`${url}/notifications`, 1000);
        }));
        await sleep(100);
      }
    })();

    const chaos = (async () => {
      await sleep(8000);
      while (!stopChaos) {
        await sleep((KILL_MIN_S + random() * (KILL_MAX_S - KILL_MIN_S)) * 1000);
        if (stopChaos) break;
        await restarting;
        // What died by itself (a worker giving up on an absent server) is restarted, as a supervisor would.
        const down = ['temporal', 'runtime', 'worker'].filter((name) => pidOf(name) === undefined);
        if (down.length) {
          counts.diedByThemselves += down.length;
          log(`not running: ${down.join(', ')}; restarting`);
          await devStart().catch((error) => log(`restart failed: ${error.message}`));
        }
        const victim = pick(VICTIMS);
        const pid = victimPid(victim, home, pidOf);
        if (pid === undefined) continue;
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          continue;
        }
        counts.kills[victim] += 1;
        log(`killed ${victim} (pid ${pid})`);
        if (['worker', 'runtime', 'temporal'].includes(victim)) {
          if (victim === 'temporal') dropClient();
          await sleep(1000 + random() * 3000);
          await devStart().catch((error) => log(`restart failed: ${error.message}`));
        }
      }
    })();

    const lanes = SERVICES.map(async (service, lane) => {
      for (let index = lane; index < DEPLOYMENTS && Date.now() < deadline; index += SERVICES.length) {
        // Each service's third release of every three is bad, so each has good ones to return to.
        const bad = Math.floor(index / SERVICES.length) % 3 === 2;
        const version = `v1.${index}.0${bad ? '-errors' : ''}`;
        const outcome = await deploy(service, version);
        outcomes.push({ service, version, bad, ...outcome });
        counts.deployments += 1;
        counts.phases[outcome.status] = (counts.phases[outcome.status] ?? 0) + 1;
        log(`${service} ${version}: ${outcome.status}${outcome.phase ? ` (${outcome.phase})` : ''}`);
        const state = runtimeState(home, service);
        if (state?.url) urls[service] = state.url;
      }
    });

    /** Starts one deployment (retrying while Temporal or the worker is away) and waits for it to end. */
    async function deploy(service, version) {
      const workflowId = `deploy/${STACK}/${ENVIRONMENT}/${service}`;
      const askedAt = Date.now();
      let runId;
      while (!runId && Date.now() < deadline) {
        const result = cli(['apply', '--stack', STACK, '--service', service, '--environment', ENVIRONMENT, '--var', `VERSION=${version}`, '--no-wait', '--json'], { quiet: true });
        if (result.status === 0) {
          runId = await currentRun(workflowId, askedAt);
          if (runId) break;
        }
        // The start may have reached Temporal before the reply was lost.
        runId = await currentRun(workflowId, askedAt);
        if (runId) break;
        counts.startRetries += 1;
        await sleep(2000);
      }
      if (!runId) return { status: 'NOT_STARTED' };
      while (Date.now() < deadline) {
        try {
          const handle = (await temporal()).workflow.getHandle(workflowId, runId);
          const description = await handle.describe();
          if (description.status.name !== 'RUNNING') {
            const phase = description.status.name === 'COMPLETED' ? (await handle.result()).phase : undefined;
            return { status: description.status.name, phase, runId };
          }
        } catch {
          dropClient();
        }
        await sleep(1000);
      }
      return { status: 'HUNG', runId };
    }

    /** The run of the service's deployment started after `since`, if Temporal has one. */
    async function currentRun(workflowId, since) {
      try {
        const description = await (await temporal()).workflow.getHandle(workflowId).describe();
        return description.startTime.getTime() >= since - 1000 ? description.runId : undefined;
      } catch {
        dropClient();
        return undefined;
      }
    }

    await Promise.all(lanes);
    stopChaos = true;
    await chaos;
    await load;
    // Nothing is killed any more: bring everything back and let what was interrupted settle (a
    // restarted runtime restores its components; their replicas need a few seconds to turn healthy).
    await devStart();
    const settleBy = Date.now() + 90_000;
    while (Date.now() < settleBy && (await Promise.all(SERVICES.map((service) => servedVersion(home, service)))).some((version) => version === undefined)) await sleep(1000);
    const report = await verify(home, outcomes, temporal, pidOf);
    const seconds = Math.round((Date.now() - started) / 1000);
    print({ seed: firstSeed, seconds, counts, report });
    process.exitCode = report.problems.length ? 1 : 0;
  } finally {
    stopChaos = true;
    await closeConnections();
    cli(['dev', 'stop'], { quiet: true });
    const leftovers = processesReferencing(home);
    if (leftovers.length) {
      console.log(`processes left after dev stop: ${leftovers.length}`);
      for (const line of leftovers) console.log(`  ${line}`);
      for (const line of leftovers) {
        try {
          process.kill(Number(line.split(' ')[0]), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      process.exitCode = 1;
    } else {
      console.log('processes left after dev stop: 0');
    }
    if (!process.exitCode) {
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(repo, { recursive: true, force: true });
    } else {
      console.log(`kept for inspection: ${home}`);
    }
  }
}

function victimPid(victim, home, pidOf) {
  if (['worker', 'runtime', 'temporal'].includes(victim)) return pidOf(victim);
  const lines = processesReferencing(home);
  const matching = lines.filter((line) => {
    const command = line.slice(line.indexOf(' ') + 1);
    if (victim === 'plugin') return command.includes('dynamic-provider');
    return !command.includes("dynamic-provider") && /\/pulumi\b/.test(command) && / (up|preview|refresh|destroy) /.test(` ${command} `);
  });
  return matching.length ? Number(pick(matching).split(' ')[0]) : undefined;
}

/** The runtime's record of the service's MicroService: its url and the desired image. */
function runtimeState(home, service) {
  const file = path.join(home, 'local', 'components', `${STACK}.${ENVIRONMENT}.${service}.api`, 'record.json');
  try {
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    return { image: record.desired.image, url: record.saved.port ? `http://127.0.0.1:${record.saved.port}` : undefined };
  } catch {
    return undefined;
  }
}

/** What the Pulumi state records for the service's MicroService: its image, and pending operations. */
function pulumiState(home, service) {
  // The service's stack, where its components are one resource each (the api's URN ends with its name).
  const file = path.join(home, 'pulumi', 'state', '.pulumi', 'stacks', STACK, `${service}.${ENVIRONMENT}.json`);
  try {
    const { checkpoint } = JSON.parse(fs.readFileSync(file, 'utf8'));
    const resource = (checkpoint.latest?.resources ?? []).find((candidate) => candidate.type === 'pulumi-nodejs:dynamic:Resource' && candidate.urn.endsWith('::api'));
    return { image: resource?.outputs?.image ?? resource?.inputs?.image, pending: (checkpoint.latest?.pending_operations ?? []).length };
  } catch {
    return undefined;
  }
}

async function verify(home, outcomes, temporal, pidOf) {
  const problems = [];
  const { FileReleaseStore } = require(path.join(ROOT, 'dist', 'src', 'releases', 'fileReleaseStore'));
  const releases = new FileReleaseStore(path.join(home, 'releases'));
  const notEnded = outcomes.filter((outcome) => ['HUNG', 'NOT_STARTED', 'RUNNING'].includes(outcome.status));
  for (const outcome of notEnded) problems.push(`${outcome.service} ${outcome.version}: ${outcome.status}`);

  const services = [];
  for (const service of SERVICES) {
    const history = await releases.history(STACK, ENVIRONMENT, service);
    const good = history.find((record) => record.result === 'succeeded');
    const expected = good?.version;
    const served = await servedVersion(home, service);
    const record = runtimeState(home, service);
    const state = pulumiState(home, service);
    const image = expected && `notification-api:${expected}`;
    const consistent = served === expected && record?.image === image && state?.image === image && state?.pending === 0;
    if (!consistent) problems.push(`${service}: last good release ${expected ?? '(none)'}, serving ${served ?? '(nothing)'}, runtime record ${record?.image ?? '(none)'}, Pulumi state ${state?.image ?? '(none)'} with ${state?.pending ?? '?'} pending operations`);
    services.push({ service, releases: history.length, expected, consistent });
    for (const bad of history.filter((entry) => entry.version.includes('-errors') && entry.result === 'succeeded')) problems.push(`${service} ${bad.version}: a bad release is recorded succeeded`);
  }

  const locksDir = path.join(home, 'pulumi', 'state', '.pulumi', 'locks');
  const locks = fs.existsSync(locksDir) ? fs.readdirSync(locksDir, { recursive: true }).filter((entry) => entry.endsWith('.json')) : [];
  for (const lock of locks) problems.push(`stale Pulumi lock ${lock}`);

  let running = [];
  try {
    for await (const execution of (await temporal()).workflow.list({ query: 'ExecutionStatus="Running"' })) running.push(execution.workflowId);
  } catch (error) {
    problems.push(`could not list running workflows: ${error.message}`);
  }
  running = running.filter((id) => id.startsWith('deploy/'));
  for (const id of running) problems.push(`still running: ${id}`);

  const orphans = orphanedProcesses(home, ['temporal', 'runtime', 'worker'].map(pidOf).filter(Boolean));
  for (const line of orphans) problems.push(`orphaned process ${line}`);

  // Left by killed workers and not yet removed by a later one (informational: a worker sweeps them at its first engine run).
  const workspacesDir = path.join(home, 'pulumi', 'workspaces');
  const abandonedWorkspaces = fs.existsSync(workspacesDir) ? fs.readdirSync(workspacesDir).filter((entry) => !fs.existsSync(`/proc/${/-pid(\d+)-/.exec(entry)?.[1] ?? 0}`)).length : 0;

  const badSucceeded = problems.filter((problem) => problem.includes('a bad release is recorded succeeded')).length;
  return { services, locks: locks.length, running: running.length, orphans: orphans.length, abandonedWorkspaces, badSucceeded, notEnded: notEnded.length, problems };
}

async function servedVersion(home, service) {
  const state = runtimeState(home, service);
  if (!state?.url) return undefined;
  const reply = await get(`${state.url}/version`);
  if (reply.status !== 200) return undefined;
  try {
    return JSON.parse(reply.body).version;
  } catch {
    return reply.body.trim();
  }
}

/** Processes (but this one) whose command line or environment names `text`. */
function processesReferencing(text) {
  return fs.readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) return [];
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return [];
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      return cmdline.includes(text) || environ.includes(text) ? [`${entry} ${cmdline}`] : [];
    } catch {
      return [];
    }
  });
}

/** Processes of this run outside the trees of the processes `dev start` manages. */
function orphanedProcesses(home, roots) {
  const parentOf = (pid) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return 0;
    }
  };
  const inTree = (pid) => {
    for (let current = pid, depth = 0; current > 1 && depth < 50; current = parentOf(current), depth += 1) {
      if (roots.includes(current)) return true;
    }
    return false;
  };
  return processesReferencing(home).filter((line) => !inTree(Number(line.split(' ')[0])));
}

function print({ seed, seconds, counts, report }) {
  const kills = Object.entries(counts.kills).map(([victim, count]) => `${victim} ${count}`).join(', ');
  const phases = Object.entries(counts.phases).map(([status, count]) => `${status} ${count}`).join(', ');
  console.log(`chaos run (seed ${seed}) took ${seconds} s`);
  console.log(`deployments: ${counts.deployments} (${phases}); starts retried: ${counts.startRetries}`);
  console.log(`kills: ${kills} (total ${Object.values(counts.kills).reduce((a, b) => a + b, 0)}); exited by themselves: ${counts.diedByThemselves}`);
  for (const service of report.services) console.log(`  ${service.service}: ${service.releases} releases recorded, last good ${service.expected ?? '(none)'}: record == serving == state: ${service.consistent ? 'yes' : 'NO'}`);
  console.log(`deployments not ended: ${report.notEnded}; still running: ${report.running}`);
  console.log(`bad releases recorded succeeded: ${report.badSucceeded}`);
  console.log(`stale Pulumi locks: ${report.locks}`);
  console.log(`orphaned processes: ${report.orphans}`);
  console.log(`workspaces of killed workers not yet removed: ${report.abandonedWorkspaces}`);
  console.log(report.problems.length ? `PROBLEMS:\n${report.problems.map((problem) => `  ${problem}`).join('\n')}` : 'all checks passed');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
