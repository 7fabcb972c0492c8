#!/usr/bin/env node
'use strict';
// Benchmark of `deployer plan` on synthetic deployment repos of 100 and 1000 components.
//
//   npm run build && node bench/plan.js
//
// Generates repos in the layout of examples/deployment-repo under a temp dir, runs the real CLI
// (bin/run.js) in a child process RUNS times per size, and prints wall time (median, min) and the
// child's peak RSS, next to a `node -e 0` baseline. Exits non-zero only when a plan run fails or
// its output does not hold the expected components; missing the targets is reported, not fatal.
//
// Environment: BENCH_RUNS (default 5), BENCH_NO_TIME=1 to measure RSS with the node wrapper even
// when /usr/bin/time exists.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'run.js');
const EXAMPLE_PRODUCTION = path.join(ROOT, 'examples', 'deployment-repo', 'environments', 'production.yaml');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = [10, 100]; // services; 10 components each
const COMPONENTS_PER_SERVICE = 10;
const STACK = 'bench';
const ENVIRONMENT = 'aws-prod';
const VERSION = 'v1.0.0';
const TIME_BIN = '/usr/bin/time';
const USE_TIME = fs.existsSync(TIME_BIN) && process.env.BENCH_NO_TIME !== '1';
const TARGET = { components: 1000, wallMs: 1500, rssMb: 300 };

const API = 'components.deployer.io/v1';
/** The six MicroServices of every service: [name, extra own dependsOn]. */
const MICROSERVICES = [
  ['api', ['db', 'cache']],
  ['worker', ['queue-jobs', 'api']],
  ['web', ['api']],
  ['admin', ['api']],
  ['events', ['queue-events']],
  ['edge', ['web']],
];

// ---------------------------------------------------------------------------------------------
// Repo generation

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function serviceName(index) {
  return `svc-${String(index).padStart(3, '0')}`;
}

function generateRepo(dir, services) {
  write(
    path.join(dir, 'deployer.yaml'),
    `apiVersion: ${API}
kind: Repository
metadata:
  name: bench-repo
spec:
  groups:
    platform-team: [carol@company.com, dave@company.com]
    bench-leads: [alice@company.com]
  slackUsers:
    U0ALICE: alice@company.com
`,
  );
  // The example's production environment as is (target: local), plus an AWS one so cost runs.
  write(path.join(dir, 'environments', 'production.yaml'), fs.readFileSync(EXAMPLE_PRODUCTION, 'utf8'));
  write(
    path.join(dir, 'environments', `${ENVIRONMENT}.yaml`),
    `apiVersion: ${API}
kind: Environment
metadata:
  name: ${ENVIRONMENT}
spec:
  target: aws
  region: us-east-1
  account: "123456789012"
  approval:
    required: true
    timeout: 24h
  rollout:
    healthTimeout: 5m
    monitorWindow: 10m
  rollback:
    automatic: true
    errorRatePercent: 5
    p99LatencyMs: 2000
  drift:
    interval: 1h
`,
  );
  for (let index = 0; index < services; index++) generateService(dir, index);
}

function generateService(dir, index) {
  const svc = serviceName(index);
  const serviceDir = path.join(dir, 'stacks', STACK, 'services', svc);
  const components = path.join(serviceDir, 'components');
  const meta = (name) => `metadata:\n  name: ${name}\n  service: ${svc}\n  stack: ${STACK}\n`;

  write(
    path.join(serviceDir, 'service.yaml'),
    `apiVersion: ${API}
kind: Service
metadata:
  name: ${svc}
  stack: ${STACK}
  annotations:
    runbook: "https://wiki.company.com/${svc}/runbook"
spec:
  team: team-${index % 7}
  owners: [alice@company.com]
  approvers: [bench-leads, platform-team]
  notifications:
    slack:
      channel: "#${svc}-deploys"
  tests:
    - name: health
      http:
        component: api
        path: /health
        expectStatus: 200
`,
  );

  write(
    path.join(components, 'db', 'rds.yaml'),
    `apiVersion: ${API}
kind: RDS
${meta('db')}
spec:
  engine: postgres
  version: "16.4"
  instanceClass: db.t3.medium
  storage:
    allocatedGb: 50
    type: gp3
  backup:
    retentionDays: 7
  database:
    name: svc_${String(index).padStart(3, '0')}
    username: app

overrides:
  ${ENVIRONMENT}:
    multiAZ: true
    backup:
      retentionDays: 30
`,
  );

  write(
    path.join(components, 'cache', 'elasticache.yaml'),
    `apiVersion: ${API}
kind: ElastiCacheRedis
${meta('cache')}
spec:
  engine:
    version: "7.0"
  cluster:
    mode: replication-group
    nodeType: cache.t3.medium
    numNodes: 2
  security:
    atRestEncryption: true
    transitEncryption: true
`,
  );

  for (const queue of ['queue-jobs', 'queue-events']) {
    write(
      path.join(components, queue, 'sqs.yaml'),
      `apiVersion: ${API}
kind: SQS
${meta(queue)}
spec:
  type: standard
  visibilityTimeoutSeconds: 60
  deadLetterQueue:
    enabled: true
    maxReceiveCount: 5
`,
    );
  }

  for (const [name, deps] of MICROSERVICES) {
    const env = [
      ['LOG_LEVEL', { value: 'info' }],
      ['SERVICE_NAME', { value: `${svc}-${name}` }],
      ['DATABASE_HOST', { from: ['db', 'endpoint'] }],
      ['DATABASE_PORT', { from: ['db', 'port'] }],
      ['DATABASE_PASSWORD', { from: ['db', 'password'] }],
      ['CACHE_HOST', { from: ['cache', 'endpoint'] }],
      ['CACHE_ENABLED', { value: 'true' }],
      ['JOBS_QUEUE_URL', { from: ['queue-jobs', 'url'] }],
      ['EVENTS_QUEUE_ARN', { from: ['queue-events', 'arn'] }],
      ['API_TOKEN', { secret: `${svc}/api-token` }],
    ];
    // Cross-service reference: every service after the first calls the previous service's api.
    if (name === 'edge' && index > 0) env.push(['UPSTREAM_URL', { component: `${serviceName(index - 1)}/api`, output: 'url' }]);
    if (name !== 'api') env.push(['API_URL', { from: ['api', 'url'] }]);

    const envYaml = env
      .map(([varName, source]) => {
        if (source.value !== undefined) return `    - name: ${varName}\n      value: "${source.value}"\n`;
        if (source.secret) return `    - name: ${varName}\n      secretFrom:\n        secret: ${source.secret}\n`;
        const component = source.component ?? `${svc}/${source.from[0]}`;
        const output = source.output ?? source.from[1];
        return `    - name: ${varName}\n      valueFrom:\n        component: ${component}\n        output: ${output}\n`;
      })
      .join('');

    const dir = path.join(components, name);
    write(
      path.join(dir, 'microservice.yaml'),
      `apiVersion: ${API}
kind: MicroService
${meta(name)}
spec:
  image: svc-api:\${VERSION}
  port: 8080
  healthCheck:
    path: /health
${name === 'api' || name === 'web' ? `  ingress:\n    path: /${svc}/${name}\n` : ''}  environment:
${envYaml}  dependsOn:
${deps.map((dep) => `    - ${svc}/${dep}\n`).join('')}`,
    );
    write(
      path.join(dir, 'infra.yaml'),
      `apiVersion: ${API}
kind: MicroService
metadata:
  name: ${name}

spec:
  resources:
    cpu: 256
    memory: 512
  scaling:
    replicas: 2
    autoscaling:
      minReplicas: 2
      maxReplicas: 10
      targetCPU: 70

overrides:
  ${ENVIRONMENT}:
    scaling:
      replicas: 3
      autoscaling:
        minReplicas: 3
        maxReplicas: 12
`,
    );
    write(
      path.join(dir, 'configs', 'app.yaml'),
      `service: ${svc}
component: ${name}
cache:
  enabled: true
  ttl: 3600
  maxSize: 10000
retries:
  max: 3
  delay: 5s
`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement

/** A `-r` preload that prints the process's peak RSS (KB) as the last line of stderr at exit. */
function writeRssWrapper(dir) {
  const file = path.join(dir, 'maxrss.js');
  fs.writeFileSync(
    file,
    "process.on('exit', () => { try { require('fs').writeSync(2, '\\n' + process.resourceUsage().maxRSS + '\\n'); } catch {} });\n",
  );
  return file;
}

/** Runs `node <args>` once; wall ms, peak RSS KB, stdout, stderr (without the RSS line). */
function measure(nodeArgs, env, rssWrapper) {
  const [command, args] = USE_TIME
    ? [TIME_BIN, ['-f', '%M', process.execPath, ...nodeArgs]]
    : [process.execPath, ['-r', rssWrapper, ...nodeArgs]];
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  const lines = result.stderr.trimEnd().split('\n');
  const rssKb = Number(lines.pop());
  if (!Number.isFinite(rssKb)) throw new Error(`could not read peak RSS from the child's stderr:\n${result.stderr}`);
  return { wallMs, rssKb, status: result.status, signal: result.signal, stdout: result.stdout, stderr: lines.join('\n') };
}

function fail(message) {
  const error = new Error(message);
  error.benchFailure = true;
  throw error;
}

function checkPlan(run, expected, label) {
  if (run.status !== 0) {
    fail(`${label}: plan exited ${run.status ?? `on signal ${run.signal}`}\n--- stderr ---\n${run.stderr}\n--- stdout (first 4000 chars) ---\n${run.stdout.slice(0, 4000)}`);
  }
  let plan;
  try {
    plan = JSON.parse(run.stdout);
  } catch (error) {
    fail(`${label}: plan output is not JSON (${error.message})\n--- stdout (first 4000 chars) ---\n${run.stdout.slice(0, 4000)}`);
  }
  if (!Array.isArray(plan.waves)) fail(`${label}: plan JSON has no waves[]: ${run.stdout.slice(0, 2000)}`);
  const changes = plan.waves.reduce((sum, wave) => sum + wave.changes.length, 0);
  if (changes !== expected) fail(`${label}: expected ${expected} changes across the waves, got ${changes} (${plan.waves.length} waves)`);
  if (plan.target !== 'aws' || !(plan.cost && plan.cost.new > 0)) fail(`${label}: expected an aws plan with a cost estimate, got target ${plan.target}, cost ${JSON.stringify(plan.cost && plan.cost.new)}`);
  return plan;
}

function stats(runs) {
  const walls = runs.map((run) => run.wallMs).sort((a, b) => a - b);
  const mid = Math.floor(walls.length / 2);
  const median = walls.length % 2 ? walls[mid] : (walls[mid - 1] + walls[mid]) / 2;
  return { median, min: walls[0], peakRssMb: Math.max(...runs.map((run) => run.rssKb)) / 1024 };
}

function table(rows) {
  const header = ['size', 'components', 'median wall ms', 'min wall ms', 'peak RSS MB'];
  const cells = [header, ...rows.map((row) => [row.size, String(row.components), row.median.toFixed(0), row.min.toFixed(0), row.peakRssMb.toFixed(1)])];
  const widths = header.map((_, col) => Math.max(...cells.map((line) => line[col].length)));
  const format = (line) => line.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]) : cell.padStart(widths[col]))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(format)].join('\n');
}

function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'plan.js'))) {
    fail('dist/cli/commands/plan.js is missing: run `npm run build` first');
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-bench-'));
  try {
    const rssWrapper = writeRssWrapper(tmp);
    const baseEnv = { ...process.env };
    delete baseEnv.DEPLOYER_REPO;
    delete baseEnv.NODE_OPTIONS;

    const rows = [];
    const baseline = [];
    for (let i = 0; i < RUNS; i++) baseline.push(measure(['-e', '0'], baseEnv, rssWrapper));
    for (const run of baseline) if (run.status !== 0) fail(`node -e 0 exited ${run.status}: ${run.stderr}`);
    rows.push({ size: 'node -e 0', components: 0, ...stats(baseline) });

    const details = [];
    for (const services of SIZES) {
      const expected = services * COMPONENTS_PER_SERVICE;
      const repo = path.join(tmp, `repo-${expected}`);
      const genStart = process.hrtime.bigint();
      generateRepo(repo, services);
      const genMs = Number(process.hrtime.bigint() - genStart) / 1e6;
      const runs = [];
      let plan;
      for (let i = 0; i < RUNS; i++) {
        const home = path.join(tmp, `home-${expected}-${i}`);
        fs.mkdirSync(home);
        const args = [CLI, 'plan', '--repo', repo, '--stack', STACK, '--environment', ENVIRONMENT, '--var', `VERSION=${VERSION}`, '--json'];
        const run = measure(args, { ...baseEnv, DEPLOYER_HOME: home }, rssWrapper);
        plan = checkPlan(run, expected, `N=${services} run ${i + 1}`);
        runs.push(run);
      }
      rows.push({ size: `N=${services}`, components: expected, ...stats(runs) });
      details.push(`N=${services}: ${expected} components, ${plan.waves.length} waves, cost new $${plan.cost.new.toFixed(2)}/month, JSON ${(Buffer.byteLength(runs[0].stdout) / 1024).toFixed(0)} KB, repo generated in ${genMs.toFixed(0)} ms`);
    }

    const small = rows.find((row) => row.components === 100);
    const large = rows.find((row) => row.components === 1000);
    console.log(`deployer plan benchmark: node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, ${RUNS} runs per size`);
    console.log(`command: node bin/run.js plan --repo <dir> --stack ${STACK} --environment ${ENVIRONMENT} --var VERSION=${VERSION} --json`);
    console.log(`peak RSS via ${USE_TIME ? `${TIME_BIN} -f %M` : 'node -r <wrapper> (process.resourceUsage().maxRSS)'}; wall time includes process start-up`);
    console.log('');
    console.log(table(rows));
    console.log('');
    for (const line of details) console.log(line);
    console.log(`ratio median(1000)/median(100): ${(large.median / small.median).toFixed(2)}`);
    console.log(`ratio (median - baseline) 1000/100: ${((large.median - rows[0].median) / (small.median - rows[0].median)).toFixed(2)}`);
    console.log('');
    const wallOk = large.median < TARGET.wallMs;
    const rssOk = large.peakRssMb < TARGET.rssMb;
    console.log(`target: ${TARGET.components} components < ${TARGET.wallMs} ms wall and < ${TARGET.rssMb} MB peak`);
    console.log(`  wall: median ${large.median.toFixed(0)} ms ${wallOk ? 'PASS' : 'FAIL'}`);
    console.log(`  RSS:  peak ${large.peakRssMb.toFixed(1)} MB ${rssOk ? 'PASS' : 'FAIL'}`);
    console.log(`  overall: ${wallOk && rssOk ? 'PASS' : 'FAIL'}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { generateRepo, checkPlan };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`bench/plan.js FAILED: ${error.benchFailure ? error.message : error.stack}`);
    process.exit(1);
  }
}
