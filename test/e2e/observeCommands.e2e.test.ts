import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { installRoot, stateDir } from '../../src/paths';
import { deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import type { DeployServiceInput } from '../../src/temporal/deployment';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { workerPorts } from '../../worker/ports';
import { freePort } from '../../src/tcpPorts';
import { runCli } from '../support/cli';
import { get } from '../support/load';
import { fromCheckout } from '../support/reviewedRepo';
import { testClient, testWorker } from '../support/temporal';

// logs, metrics, health, show, exec, test and history as a user runs them, from inside the example
// deployment repo, against the example stack deployed to `staging` on the real local runtime (the
// integration run's; development belongs to deployService.integration.test.ts). This file's worker
// polls a task queue of its own, where `deployer test` starts runTests through DEPLOYER_TASK_QUEUE.
const repo = path.join(installRoot, 'examples', 'deployment-repo');
const environment = 'staging';
const api = { stack: 'user-platform', environment, service: 'notification-service', component: 'api' };
const database = { ...api, component: 'database' };
const bin = path.join(installRoot, 'bin', 'run.js');
const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z api-[0-9a-f]{6} {2}(DEBUG|INFO|WARN|ERROR) /;

const taskQueue = `observe-${crypto.randomUUID()}`;
const cli = (...args: string[]) => runCli(args, { DEPLOYER_TASK_QUEUE: taskQueue }, repo);
const component = ['--component', 'notification-service/api', '--environment', environment];

describe('deployer logs / metrics / health / show / exec / test / history', () => {
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  let apiUrl: string;

  function desired(version: string): DesiredStack {
    const model = loadDesiredStack({ root: repo, stack: 'user-platform', environment, variables: { VERSION: version } });
    model.environment.spec.rollout = { healthTimeout: '40s', monitorWindow: '3s', checkInterval: '1s' };
    return fromCheckout(model, repo);
  }

  async function deploy(service: string, version: string): Promise<string> {
    const input: DeployServiceInput = { desired: desired(version), service, requestedBy: 'alice@company.com', version, kind: 'deploy' };
    return (await deploymentResult(await startServiceDeployment(client.client, input, taskQueue))).phase;
  }

  beforeAll(async () => {
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir()));
    expect(await deploy('user-service', 'v1.2.0')).toBe('succeeded');
    expect(await deploy('notification-service', 'v1.2.0')).toBe('succeeded');
    apiUrl = (await new LocalObserver().state(api))!.outputs.url!;
    for (let index = 0; index < 25; index++) expect((await get(`${apiUrl}/notifications`)).status).toBe(200);
    for (const recipient of ['e2e-1@example.com', 'e2e-2@example.com']) expect((await post(`${apiUrl}/notifications`, { recipient, subject: 'hello' })).status).toBe(201);
    // A release whose replicas fail their health checks: rolled back, v1.2.0 serving throughout;
    // its replicas log ERROR lines and the runtime records them unhealthy.
    expect(await deploy('notification-service', 'v1.4.0-unhealthy')).toBe('rolled-back');
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
  });

  it('logs: timestamped lines per replica; --filter, --search, --since and --json', async () => {
    const plain = await cli('logs', ...component);
    expect(plain.code).toBe(0);
    const lines = plain.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThanOrEqual(100);
    for (const line of lines) expect(line).toMatch(LINE);

    const errors = await cli('logs', '--component', 'notification-service/api', '--environment', environment, '--filter', 'ERROR', '--since', '1h');
    expect(errors.code).toBe(0);
    const errorLines = errors.stdout.trim().split('\n');
    expect(errorLines.length).toBeGreaterThan(0);
    for (const line of errorLines) expect(line).toMatch(/^\S+Z api-[0-9a-f]{6} {2}ERROR /);
    expect(errors.stdout).toContain('ERROR health check failing');

    const sent = await cli('logs', '--component', 'notification-service/api', '--environment', environment, '--search', 'email sent', '--since', '24h');
    expect(sent.code).toBe(0);
    expect(sent.stdout.trim().split('\n').map((line) => line.replace(/^\S+ api-[0-9a-f]{6} {2}/, ''))).toEqual(['INFO email sent to e2e-1@example.com', 'INFO email sent to e2e-2@example.com']);
    const caseless = await cli('logs', ...component, '--search', 'EMAIL SENT TO E2E-2', '--since', '24h');
    expect(caseless.stdout.trim().split('\n')).toHaveLength(1);

    const json = await cli('logs', '--component', 'notification-service/api', '--environment', environment, '--since', '30m', '--filter', 'ERROR', '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { at: string; source: string; stream: string; message: string }[];
    expect(parsed.length).toBe(errorLines.length);
    for (const line of parsed) expect(line).toEqual({ at: expect.stringMatching(/Z$/), source: expect.stringMatching(/^api-[0-9a-f]{6}$/), stream: 'stdout', message: expect.stringMatching(/^ERROR /) });

    const limited = await cli('logs', ...component, '--since', '1h', '--limit', '3', '--json');
    expect(JSON.parse(limited.stdout)).toHaveLength(3);

    const nothing = await cli('logs', ...component, '--filter', 'no-such-text-anywhere', '--since', '5m');
    expect(nothing).toMatchObject({ code: 0, stdout: '' });
    expect(nothing.stderr).toContain('No log lines of notification-service/api in staging match (last 5 minutes).');

    const bad = await cli('logs', ...component, '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since "yesterday" is not a duration or a timestamp. Use a duration back from now (30m, 1h, 24h, 7d) or an ISO 8601 timestamp (2026-01-15T14:30:00Z).');
  });

  it('logs --follow streams new lines until Ctrl-C, which ends it with exit 0; with --json one object per line', async () => {
    const human = await follow(['logs', '--component', 'notification-service/api', '--environment', environment, '--follow'], 'follow-1@example.com', (stdout) => stdout.includes('\n'));
    expect(human.code).toBe(0);
    const followed = human.stdout.trim().split('\n');
    for (const line of followed) expect(line).toMatch(LINE);
    expect(followed.some((line) => line.endsWith('INFO email sent to follow-1@example.com'))).toBe(true);
    expect(human.stderr).toContain('Following notification-service/api in staging; Ctrl-C to stop.');

    const json = await follow(['logs', ...component, '--follow', '--search', 'email sent', '--json'], 'follow-2@example.com', (stdout) => stdout.includes('e2e-2@example.com'));
    expect(json.code).toBe(0);
    const objects = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { message: string });
    expect(objects.map((object) => object.message)).toEqual(expect.arrayContaining(['INFO email sent to e2e-1@example.com', 'INFO email sent to follow-2@example.com']));
    for (const object of objects) expect(object.message).toMatch(/email sent/);
  });

  it('metrics: the mission\'s box, autoscaling from the repo, and the verdict against the rollback thresholds', async () => {
    const human = await cli('metrics', '--component', 'notification-service/api', '--environment', environment, '--since', '1h');
    expect(human.code).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines[1]).toMatch(/^│ Metrics: notification-service\/api \(last 1 hour\) +│$/);
    for (const expected of [
      /^│ Request Metrics: +│$/,
      /^│ {3}Total requests: {4}\d+ +│$/,
      /^│ {3}Success rate: {6}100\.00% +│$/,
      /^│ {3}Error rate: {8}0\.00% +│$/,
      /^│ {3}P99: {15}\d[\d,]*ms +│$/,
      /^│ {3}CPU: {15}\d+% \(avg\) \/ \d+% \(max\) +│$/,
      /^│ {3}Current replicas: {2}2 +│$/,
      /^│ {3}Min replicas: {6}2 +│$/,
      /^│ {3}Max replicas: {6}10 +│$/,
      /^│ {3}Target CPU: {8}70% +│$/,
      /^│ ✓ All metrics within normal range +│$/,
    ]) {
      expect(lines.some((line) => expected.test(line))).toBe(true);
    }
    const json = JSON.parse((await cli('metrics', ...component, '--json')).stdout);
    expect(json).toMatchObject({
      ...api,
      kind: 'MicroService',
      window: 'last 1 hour',
      requests: { errors: 0, errorRatePercent: 0 },
      replicas: { current: 2, desired: 2, healthy: 2 },
      autoscaling: { minReplicas: 2, maxReplicas: 10, targetCPU: 70 },
      thresholds: { errorRatePercent: 5, p99LatencyMs: 2000 },
      verdict: { ok: true, breaches: [] },
    });
    expect(json.requests.total).toBeGreaterThanOrEqual(27);
  });

  it('health: each replica\'s state, version, restarts and checks; exit 0 when healthy', async () => {
    const human = await cli('health', '--component', 'notification-service/api', '--environment', environment);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/│ Health: notification-service\/api \(staging\) +│/);
    expect(human.stdout).toMatch(/│ ✓ Healthy: 2\/2 replicas healthy +│/);
    expect(human.stdout).toMatch(/│ Replica {6}State {5}Version {3}Restarts {3}Last checks \(oldest → newest\) +│/);
    // The last checks wrap at 80 columns: the time of the newest check goes on the next line.
    expect(human.stdout.match(/│ api-[0-9a-f]{6} {3}healthy {3}v1\.2\.0 {4}0 {10}[✓✗]+ {2}HTTP 200 in \d+ms at +│\n│ +\S+Z +│/g)).toHaveLength(2);
    const json = JSON.parse((await cli('health', ...component, '--json')).stdout);
    expect(json).toMatchObject({ ...api, kind: 'MicroService', healthy: true, summary: '2/2 replicas healthy' });
    expect(json.replicas.map((replica: { state: string; version: string }) => [replica.state, replica.version])).toEqual([
      ['healthy', 'v1.2.0'],
      ['healthy', 'v1.2.0'],
    ]);
  });

  it('show --show-events: what runs, the last releases, and the timeline', async () => {
    const human = await cli('show', '--component', 'notification-service/api', '--environment', environment, '--show-events');
    expect(human.code).toBe(0);
    const text = human.stdout;
    expect(text).toMatch(/│ Component: notification-service\/api \(staging\) +│/);
    expect(text).toMatch(/│ Kind: {6}MicroService +│/);
    expect(text).toMatch(/│ Image: {5}notification-api:v1\.2\.0 +│/);
    expect(text).toMatch(/│ Replicas: {2}2\/2 healthy +│/);
    expect(text).toContain(`│   url  ${apiUrl}`);
    expect(text).toMatch(/│ Last release of notification-service: v1\.4\.0-unhealthy ⟲ rolled back +│/);
    expect(text).toMatch(/│ Last good release: v1\.2\.0 ✓ succeeded +│/);
    expect(text).toMatch(/│ {3}When: {5}\d{4}-\d\d-\d\d \d\d:\d\d by alice@company\.com \(took [^)]+\) +│/);
    expect(text).toMatch(/│ Events \(\d+, oldest first\): +│/);
    expect(text).toMatch(/│ {3}\S+Z {2}▸ started {4}replica api-[0-9a-f]{6} started \(v1\.2\.0, /);
    expect(text).toMatch(/✓ healthy {4}replica api-[0-9a-f]{6} is healthy/);
    expect(text).toMatch(/✗ unhealthy {2}replica api-[0-9a-f]{6} is unhealthy/);
    expect(text).toMatch(/⟳ rollout {4}rollout of v1\.4\.0-unhealthy failed/);
    // Long reasons and event messages wrap instead of stretching the box.
    expect(Math.max(...text.split('\n').map((line) => [...line].length))).toBeLessThanOrEqual(104);

    const json = JSON.parse((await cli('show', ...component, '--show-events', '--json')).stdout);
    expect(json).toMatchObject({
      ...api,
      kind: 'MicroService',
      status: { state: 'running', version: 'v1.2.0', desiredReplicas: 2, healthyReplicas: 2 },
      runsAs: { image: 'notification-api:v1.2.0' },
      outputs: { url: apiUrl },
      lastRelease: { version: 'v1.4.0-unhealthy', result: 'rolled_back', deployedBy: 'alice@company.com' },
      lastSuccessfulRelease: { version: 'v1.2.0', result: 'succeeded' },
    });
    expect(json.events.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['started', 'healthy', 'unhealthy', 'rollout']));
  });

  it('show never prints a secret output: the database password is (secret)', async () => {
    const password = (await new LocalObserver().state(database))!.outputs.password!;
    expect(password.length).toBeGreaterThan(8);
    const human = await cli('show', '--component', 'notification-service/database', '--environment', environment);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/│ Kind: {6}RDS +│/);
    expect(human.stdout).toMatch(/│ {3}password {2}\(secret\) +│/);
    const json = await cli('show', '--component', 'notification-service/database', '--environment', environment, '--show-events', '--json');
    expect(JSON.parse(json.stdout).outputs).toMatchObject({ endpoint: '127.0.0.1', password: '(secret)' });
    for (const output of [human.stdout, human.stderr, json.stdout, json.stderr]) expect(output).not.toContain(password);
  });

  it('status answers from the target while Temporal is down, saying what it could not check; --follow needs Temporal', async () => {
    const down = { DEPLOYER_TASK_QUEUE: taskQueue, DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
    const status = await runCli(['status', '--service', 'notification-service', '--environment', environment], down, repo);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/│ api +MicroService +\d\/\d running/);
    // oclif wraps warnings to the terminal (` ›` at each line's start, `·` where it broke a long word).
    const warning = status.stderr.replace(/\s*›\s*/g, ' ').replace(/·/g, '');
    expect(warning).toContain('connect ECONNREFUSED');
    expect(warning).toContain('Showing what runs without knowing whether a deployment is under way.');
    const follow = await runCli(['status', '--service', 'notification-service', '--environment', environment, '--follow'], down, repo);
    expect(follow.code).toBe(1);
    expect(follow.stderr).toContain('cannot reach Temporal at');
  });

  it('exec: runs in a replica\'s environment and directory, with the command\'s exit code', async () => {
    const shell = await cli('exec', '--component', 'notification-service/api', '--environment', environment, '--command', '/bin/sh');
    expect(shell).toMatchObject({ code: 0, stdout: '' });

    const inside = await cli('exec', ...component, '--command', 'echo "$HOSTNAME $VERSION $(basename "$PWD")"; ls "$CONFIG_DIR"; exit 3');
    expect(inside.code).toBe(3);
    expect(inside.stdout).toMatch(/^api-[0-9a-f]{6} v1\.2\.0 notification-api\napp\.yaml\n$/);

    const replica = inside.stdout.split(' ')[0]!;
    const json = await cli('exec', ...component, '--replica', replica, '--command', 'echo out; echo err >&2', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ replica, exitCode: 0, stdout: 'out\n', stderr: 'err\n' });

    // From a terminal (util-linux `script` gives it one), no --command opens an interactive shell there.
    const terminal = await interactive(['exec', ...component], 'echo "inside-$HOSTNAME-$VERSION"\nexit 4\n');
    expect(terminal.code).toBe(4);
    expect(terminal.output).toMatch(/Shell in replica api-[0-9a-f]{6}; exit to leave\./);
    expect(terminal.output).toMatch(/inside-api-[0-9a-f]{6}-v1\.2\.0/);

    const noTty = await cli('exec', ...component);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('no --command and stdin is not a terminal');
    const unknown = await cli('exec', ...component, '--replica', 'api-000000', '--command', 'true');
    expect(unknown.code).toBe(2);
    // Replica ids are random: one close enough to api-000000 (say api-f00042) is offered as a suggestion.
    expect(unknown.stderr).toMatch(/has no running replica "api-000000"\.( Did you mean "api-[0-9a-f]{6}"\?)? Its replicas: api-[0-9a-f]{6}, api-[0-9a-f]{6}\./);
    const data = await cli('exec', '--component', 'notification-service/database', '--environment', environment, '--command', 'true');
    expect(data.code).toBe(2);
    expect(data.stderr).toContain("notification-service/database is an RDS; exec runs commands in a MicroService's replicas.");
  });

  it('test: runs the service.yaml tests through the runTests workflow, a result per test', async () => {
    const human = await cli('test', '--service', 'notification-service', '--environment', environment);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/│ Tests: notification-service \(staging\) +│/);
    expect(human.stdout).toMatch(/│ ✓ health {15}GET \/health -> 200 {8,}\(\d+(\.\d)?m?s\) +│/);
    expect(human.stdout).toMatch(/│ ✓ list-notifications {3}GET \/notifications -> 200 {3}\(\d+(\.\d)?m?s\) +│/);
    expect(human.stdout).toMatch(/│ ✓ 2 passed +│/);
    expect(human.stderr).toMatch(/Running 2 tests of notification-service in staging \(workflow test\/user-platform\/staging\/notification-service\/[0-9a-f]{8}\)\.\.\./);

    const json = JSON.parse((await cli('test', '--service', 'notification-service', '--environment', environment, '--json')).stdout);
    expect(json).toMatchObject({ stack: 'user-platform', environment, service: 'notification-service', passed: true });
    expect(json.workflowId).toMatch(/^test\/user-platform\/staging\/notification-service\/[0-9a-f]{8}$/);
    expect(json.results).toEqual([
      { name: 'health', passed: true, detail: 'GET /health -> 200', durationMs: expect.any(Number) },
      { name: 'list-notifications', passed: true, detail: 'GET /notifications -> 200', durationMs: expect.any(Number) },
    ]);
  });

  it('history: the mission\'s table from the release log, newest first', async () => {
    const human = await cli('history', '--service', 'notification-service', '--environment', environment, '--limit', '10');
    expect(human.code).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines[1]).toMatch(/^│ Deployment History: notification-service \(staging\) +│$/);
    expect(lines[3]).toMatch(/^│ Version {11}Kind {4}Date {4}Time {3}By {13}Duration +│$/);
    expect(lines[5]).toMatch(/^│ v1\.4\.0-unhealthy {2}deploy {2}[A-Z][a-z]{2} \d{1,2} +\d\d:\d\d {2}alice@company {2}Rolled back +│$/);
    expect(lines[6]).toMatch(/^│ v1\.2\.0 {12}deploy {2}[A-Z][a-z]{2} \d{1,2} +\d\d:\d\d {2}alice@company {2}(\d+m )?\d+(\.\d)?s ✓ +│$/);
    expect(lines[7]).toMatch(/^└/);

    const json = JSON.parse((await cli('history', '--service', 'notification-service', '--environment', environment, '--limit', '1', '--json')).stdout);
    expect(json).toMatchObject({ stack: 'user-platform', environment, service: 'notification-service' });
    expect(json.releases).toEqual([expect.objectContaining({ version: 'v1.4.0-unhealthy', result: 'rolled_back', deployedBy: 'alice@company.com', workflowId: 'deploy/user-platform/staging/notification-service' })]);

    const none = await cli('history', '--service', 'notification-service', '--environment', 'production');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No deployments of notification-service to production are recorded yet.');
  });

  it('says what to do when the component is not deployed, the aws environment lacks its platform, or a name is wrong', async () => {
    const notDeployed = await cli('health', '--component', 'notification-service/api', '--environment', 'production');
    expect(notDeployed.code).toBe(1);
    expect(notDeployed.stderr).toContain(
      'notification-service/api is not deployed to production (stack user-platform). Deploy it first: deployer apply --stack user-platform --service notification-service --environment production --var VERSION=<version>',
    );
    const json = await cli('logs', '--component', 'notification-service/api', '--environment', 'production', '--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.code).toBe('NOT_DEPLOYED');

    const awsRepo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-observe-aws-'));
    try {
      fs.cpSync(repo, awsRepo, { recursive: true });
      const file = path.join(awsRepo, 'environments', 'production.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('target: local', 'target: aws'));
      const aws = await runCli(['metrics', ...['--component', 'notification-service/api', '--environment', 'production', '--repo', awsRepo]], {}, repo);
      expect(aws.code).toBe(1);
      // An aws environment without its platform references: said before AWS is asked anything.
      expect(aws.stderr).toContain('environments/production.yaml has no spec.platform.clusterArn, the ECS cluster its services run in; ask your platform team for it and add it');
      expect(aws.stderr).not.toContain('NodeVersionSupportWarning');
    } finally {
      fs.rmSync(awsRepo, { recursive: true, force: true });
    }

    const typo = await cli('show', '--component', 'notification-service/apii', '--environment', environment);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('service notification-service (stack user-platform) has no component "apii". Did you mean "api"?');
  });
});

// A failing replica is hard to hold still on the real runtime (it is replaced within a second), so
// the unhealthy case runs the real CLI against a runtime that answers as one with a failing replica does.
describe('deployer health when a replica fails', () => {
  let home: string;
  let server: http.Server;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-health-stub-'));
    const replica = (id: string, state: string, ok: boolean) => ({
      replica: id,
      version: 'v1.2.0',
      port: 4000,
      state,
      startedAt: '2026-01-15T14:29:00.000Z',
      restarts: ok ? 0 : 3,
      checks: [{ at: '2026-01-15T14:30:00.000Z', ok, status: ok ? 200 : 503, durationMs: 2 }],
    });
    const key = encodeURIComponent('user-platform.staging.notification-service.api');
    const routes: Record<string, unknown> = {
      [`/v1/components/${key}`]: { kind: 'MicroService', actual: {}, outputs: {}, secretOutputs: [], status: { state: 'degraded', desiredReplicas: 2, healthyReplicas: 1 } },
      [`/v1/components/${key}/health`]: { kind: 'MicroService', healthy: false, summary: '1/2 replicas healthy', replicas: [replica('api-3f2a1b', 'healthy', true), replica('api-9c1d2e', 'unhealthy', false)] },
    };
    server = http.createServer((request, response) => {
      const body = routes[request.url ?? ''];
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? { error: 'not found' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fs.mkdirSync(path.join(home, 'local'), { recursive: true });
    fs.writeFileSync(path.join(home, 'local', 'runtime.json'), JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, pid: process.pid }));
    fs.writeFileSync(path.join(home, 'local', 'runtime.token'), 'stub-token', { mode: 0o600 });
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('exits 1 and shows which replica fails', async () => {
    const result = await runCli(['health', '--component', 'notification-service/api', '--environment', 'staging'], { DEPLOYER_HOME: home }, repo);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/│ ✗ Unhealthy: 1\/2 replicas healthy +│/);
    expect(result.stdout).toMatch(/│ api-9c1d2e {3}unhealthy {3}v1\.2\.0 {4}3 {10}✗ {2}HTTP 503 in 2ms at +│\n│ +2026-01-15T14:30:00Z +│/);
    const json = await runCli(['health', '--component', 'notification-service/api', '--environment', 'staging', '--json'], { DEPLOYER_HOME: home }, repo);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ healthy: false, summary: '1/2 replicas healthy' });
  });
});

function post(url: string, body: unknown): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const request = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
    request.end(payload);
  });
}

/**
 * Runs `deployer logs --follow` as a process, waits until the backlog has arrived, sends a notification to
 * `recipient` while it follows, waits until that line arrives, then presses Ctrl-C (SIGINT).
 */
async function follow(args: string[], recipient: string, backlogArrived: (stdout: string) => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repo, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  try {
    await until(() => backlogArrived(stdout), () => `no backlog; stdout: ${stdout} stderr: ${stderr}`);
    const url = (await new LocalObserver().state(api))!.outputs.url!;
    expect((await post(`${url}/notifications`, { recipient })).status).toBe(201);
    await until(() => stdout.includes(`email sent to ${recipient}`), () => `the new line did not arrive; stdout: ${stdout}`);
  } finally {
    child.kill('SIGINT');
  }
  return { ...(await closed), stdout, stderr };
}

async function until(condition: () => boolean, describe: () => string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs the CLI with a terminal as stdin/stdout (util-linux `script`), typing `input`; `-e` passes the exit code on. */
function interactive(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, bin, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: repo, env: { ...process.env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}
