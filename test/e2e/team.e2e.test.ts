import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import YAML from 'yaml';
import { serviceStackName } from '../../src/model/componentRef';
import { destroyComponent } from '../../activities/provisioning';
import { componentDeployment } from '../../src/targets/deployment';
import { workerIdentity } from '../../src/devenv/devEnvironment';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot, stateDir } from '../../src/paths';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { lastReleased } from '../../src/releases/releaseLog';
import { StateDatabase } from '../../src/state/postgres/database';
import { WorkerLiveness } from '../../src/state/postgres/workerLiveness';
import { openStateStore } from '../../src/state/stateStore';
import { targetFor } from '../../src/targets/targetFor';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { RuntimeClient } from '../../src/targets/local/runtimeClient';
import { deploymentProgress } from '../../src/temporal/deployClient';
import { deployServiceWorkflowId } from '../../src/temporal/deployment';
import type { DetectDriftResult } from '../../src/temporal/drift';
import { CliResult, runCli, startCli } from '../support/cli';
import { processesReferencing } from '../support/processes';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient } from '../support/temporal';
import { cleanUp, killGroup, killPids, spawnWorker, waitForPoller } from '../support/workerProcesses';
import { RuntimeRequestFailed } from '../../src/errors';

// The issue "one truth for every client and every worker", as a team runs it: one Temporal, one
// PostgreSQL holding the state, two worker processes each with a DEPLOYER_HOME of its own (two
// machines; they share this machine's local runtime through DEPLOYER_LOCAL_RUNTIME_HOME), people
// deploying with the real CLI from homes of their own, and one worker SIGKILLed in the middle of a
// wave. Afterwards a CLI with an empty home sees everything through Temporal: every deployment with
// its result and who, plans with nothing to do, no drift, and Pulumi state that is what runs. The
// same client checks then run against one worker on the file backend (the single-machine default).
//
// A deployment repo of its own: stack `team`, environments team-dev (no approval), team-prod
// (approval required) and solo-dev (the file-backend worker's), four services of one MicroService
// each (orders also has an SQS queue its api reads, so it deploys in two waves). Rollouts are short:
// one health check a second, a 2 s monitoring window.
const STACK = 'team';
const DEV = 'team-dev';
const PROD = 'team-prod';
const SOLO = 'solo-dev';
const SERVICES = ['web', 'orders', 'billing', 'search'] as const;
type ServiceName = (typeof SERVICES)[number];
/** The service whose rollout is slow enough (several passing checks) to kill a worker in its middle. */
const KILLED_MID_WAVE: ServiceName = 'search';
/** Who reads from the empty home: no signing key, nothing of the team's on her machine. */
const READER = 'erin@company.com';

const started = Date.now();
const note = (message: string) => process.stdout.write(`[team ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

interface Deployment {
  service: ServiceName;
  environment: string;
  version: string;
  by: string;
  kind: 'deploy' | 'rollback';
  result: 'succeeded' | 'rolled_back' | 'rejected';
  approvedBy?: string;
  /** Identities of the workers that ran its workflow and activity tasks. */
  workers: Set<string>;
}

const PHASE_OF: Record<Deployment['result'], string> = { succeeded: 'succeeded', rolled_back: 'rolled-back', rejected: 'rejected' };

interface PulumiState {
  /** Every entry of the backend (keys, or paths under the state dir). */
  keys: string[];
  /** Each stack's checkpoint, by `<project>/<stack>`. */
  stacks: Map<string, Checkpoint>;
}

interface Checkpoint {
  latest?: { resources?: { urn: string; type: string; inputs?: Record<string, unknown> }[]; pending_operations?: unknown[] };
}

/**
 * Workers on one task queue, people on machines of their own, and a reader with an empty home:
 * what both describe blocks set up, and the deployments they made.
 */
class Team {
  readonly taskQueue = `team-${crypto.randomUUID()}`;
  logDir!: string;
  emptyHome!: string;
  readonly deployments: Deployment[] = [];
  readonly workers: ChildProcess[] = [];
  workerHomes: string[] = [];
  /** Each worker process's identity as Temporal shows it: `<pid>@<machine>`. */
  readonly identities = new Map<ChildProcess, string>();
  repo!: ReviewedRepo;
  client!: Awaited<ReturnType<typeof testClient>>;
  /** How many of the block's tests passed: the logs are kept when one did not. */
  passed = 0;
  private readonly laptops = new Map<string, string>();

  constructor(
    readonly environments: string[],
    /** The host name of each worker's machine; this machine's when undefined. */
    readonly machines: (string | undefined)[],
    /** The workers' shared state store (DEPLOYER_STATE_URL); files under each home when undefined. */
    private readonly stateUrl: () => string | undefined,
    readonly pulumiState: () => Promise<PulumiState>,
  ) {}

  /** The block's directories: made in its beforeAll, so a block that jest skips leaves none behind. */
  prepare(): void {
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-logs-'));
    this.emptyHome = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-empty-'));
    this.workerHomes = this.machines.map(() => fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-worker-')));
  }

  async start(): Promise<void> {
    if (!this.logDir) this.prepare();
    this.repo = ReviewedRepo.adopt(buildRepo());
    this.client = await testClient();
    const workers = this.workerHomes.map((_, index) => this.startWorker(index, `worker-${index}`));
    await Promise.all(workers.map((worker, index) => waitForPoller(this.taskQueue, worker, this.machines[index])));
    note(`${workers.length} worker(s) poll ${this.taskQueue}`);
  }

  /** A worker process of the team: a machine and home of its own, the shared queue, store and local runtime. */
  startWorker(index: number, name: string): ChildProcess {
    const machine = this.machines[index];
    const child = spawnWorker(
      this.taskQueue,
      path.join(this.logDir, `${name}.log`),
      { DEPLOYER_HOME: this.workerHomes[index], DEPLOYER_STATE_URL: this.stateUrl(), DEPLOYER_LOCAL_RUNTIME_HOME: stateDir() },
      machine,
    );
    this.workers.push(child);
    this.identities.set(child, workerIdentity(child.pid!, machine));
    return child;
  }

  /** Starts a worker again on the machine of worker `index`, and waits until it polls. */
  async restartWorker(index: number, name: string): Promise<ChildProcess> {
    const child = this.startWorker(index, name);
    await waitForPoller(this.taskQueue, child, this.machines[index]);
    return child;
  }

  /** The CLI of `person` on a machine of their own: their home, identity and signing key, and Temporal. */
  cli(person: string, args: string[], home = this.laptopOf(person), extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli(args, { ...this.cliEnv(person, home), ...extra }, this.repo.root);
  }

  cliEnv(person: string, home = this.laptopOf(person)): NodeJS.ProcessEnv {
    const identity = person === READER ? { DEPLOYER_USER: READER } : this.repo.envFor(person);
    return { ...identity, DEPLOYER_HOME: home, DEPLOYER_TASK_QUEUE: this.taskQueue, DEPLOYER_CONFIG: path.join(home, 'no-config.json'), DEPLOYER_TEMPORAL_UI: '' };
  }

  /**
   * `deployer apply --json` of one service as `by`, expected to end as `result`; recorded. With
   * `summary`, also as the GitHub Action runs it: `--summary` names its job summary file.
   */
  async apply(service: ServiceName, version: string, by: string, result: Deployment['result'], environment: string, summary?: string): Promise<void> {
    const t0 = Date.now();
    const applied = await this.cli(by, ['apply', '--stack', STACK, '--service', service, '--environment', environment, '--var', `VERSION=${version}`, '--json', ...(summary ? ['--summary', summary] : [])]);
    const output = JSON.parse(applied.stdout) as { phase?: string; error?: unknown };
    note(`apply ${service} ${version} (${environment}) by ${by}: ${output.phase ?? 'error'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    // An error is printed as JSON on stdout (oclif's --json), with stderr empty: shown when there is one.
    expect({ service, version, phase: output.phase, stderr: applied.stderr, error: output.error }).toEqual({ service, version, phase: PHASE_OF[result], stderr: '', error: undefined });
    await this.record({ service, environment, version, by, kind: 'deploy', result });
  }

  /** Records a deployment that just ended, with the workers that ran it (from its workflow's history). */
  async record(deployment: Omit<Deployment, 'workers'>): Promise<void> {
    const handle = this.client.client.workflow.getHandle(deployServiceWorkflowId(STACK, deployment.environment, deployment.service));
    this.deployments.push({ ...deployment, workers: taskIdentities((await handle.fetchHistory()).events ?? []) });
  }

  /** The version each service runs in each environment, per the deployments made ("<environment> <service>" -> version). */
  currentVersions(): Map<string, string> {
    const current = new Map<string, string>();
    for (const deployment of this.deployments) if (deployment.result === 'succeeded') current.set(`${deployment.environment} ${deployment.service}`, deployment.version);
    return current;
  }

  /** Stops what the block started and destroys what it deployed, through the store the workers used. */
  async stop(passedAll: boolean): Promise<void> {
    // A beforeAll that failed early started nothing more to stop.
    if (!this.logDir) return;
    if (!this.client) {
      await cleanUp(undefined, this.workers, this.taskQueue, this.logDir, false);
      this.removeDirs();
      return;
    }
    try {
      for (const environment of this.environments) {
        await this.client.client.schedule.getHandle(`drift/${STACK}/${environment}`).delete().catch(() => undefined);
        for (const service of SERVICES) {
          const handle = this.client.client.workflow.getHandle(deployServiceWorkflowId(STACK, environment, service));
          if ((await handle.describe().catch(() => undefined))?.status.name === 'RUNNING') await handle.terminate('test cleanup');
        }
      }
      // Leave the shared runtime as found: what this block deployed is destroyed.
      await destroyDeployed(this.workerHomes[0]!, this.stateUrl(), this.repo.root, this.environments);
    } finally {
      await cleanUp(undefined, this.workers, this.taskQueue, this.logDir, passedAll);
      await this.client.close();
      this.removeDirs();
    }
    expect(processesReferencing(this.taskQueue)).toEqual([]);
  }

  private removeDirs(): void {
    if (this.repo) this.repo.remove();
    for (const home of [...this.workerHomes, ...this.laptops.values(), this.emptyHome]) fs.rmSync(home, { recursive: true, force: true });
  }

  private laptopOf(person: string): string {
    if (!this.laptops.has(person)) this.laptops.set(person, fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-laptop-')));
    return this.laptops.get(person)!;
  }
}

const observer = new LocalObserver();

describe('a team: two workers sharing PostgreSQL, clients that need only Temporal', () => {
  let database: StateDatabaseProcess | undefined;
  const team = new Team([DEV, PROD], ['team-a', 'team-b'], () => database?.url, () => postgresPulumiState(database!.url));

  beforeAll(async () => {
    note('starting');
    team.prepare();
    database = await startStateDatabase(team.logDir);
    note('state database up');
    await team.start();
  }, 240_000);

  afterAll(async () => {
    try {
      await team.stop(team.passed === 6);
    } finally {
      await database?.stop();
      note('team cleaned up');
    }
  }, 240_000);

  it('20 deployments of 4 services, in parallel, one rolled back, one rejected, one worker SIGKILLed mid-wave', async () => {
    const alice = 'alice@company.com';
    const bob = 'bob@company.com';
    const dave = 'dave@company.com';
    const dev = (service: ServiceName, version: string, by: string, result: Deployment['result'] = 'succeeded') => () => team.apply(service, version, by, result, DEV);
    // A CI runner is a machine with an empty home too: its job summary shows the plan against what is deployed.
    const jobSummary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-runner-')), 'summary.md');
    const fromCi = (service: ServiceName, version: string, by: string) => async () => {
      await team.apply(service, version, by, 'succeeded', DEV, jobSummary);
      const summary = fs.readFileSync(jobSummary, 'utf8');
      fs.rmSync(path.dirname(jobSummary), { recursive: true, force: true });
      expect(summary).toContain(`### ✓ ${service} → ${DEV}: succeeded`);
      expect(summary).toMatch(/api \(MicroService\)\s+UPDATE/);
      expect(summary).not.toMatch(/CREATE/);
    };
    // Each service's deployments one after the other (its lock), the services at the same time.
    const chains: (() => Promise<void>)[][] = [
      [dev('web', 'v1.0.0', alice), dev('web', 'v1.1.0', bob), dev('web', 'v1.2.0', alice), dev('web', 'v1.3.0', dave), dev('web', 'v1.4.0', alice)],
      [dev('orders', 'v1.0.0', bob), fromCi('orders', 'v1.1.0', alice), dev('orders', 'v1.2.0', bob), dev('orders', 'v1.3.0', alice), dev('orders', 'v1.4.0', dave)],
      // A version that never turns healthy: rolled back by itself.
      [dev('billing', 'v1.0.0', alice), dev('billing', 'v1.1.0', dave), dev('billing', 'v2.0.0-unhealthy', bob, 'rolled_back'), dev('billing', 'v1.2.0', alice), dev('billing', 'v1.3.0', bob)],
      [dev('search', 'v1.0.0', dave), () => killedMidWave('search', 'v1.1.0', alice), () => rollback('search', bob, 'v1.0.0')],
      // Production: approved by carol; the next version she rejects.
      [() => decided('web', 'v1.3.0', alice, 'carol@company.com', true), () => decided('web', 'v1.4.0', alice, 'carol@company.com', false)],
    ];
    await Promise.all(chains.map(async (chain) => {
      for (const step of chain) await step();
    }));
    expect(team.deployments).toHaveLength(20);
    // Both workers took part, and the restarted one polls with them.
    const identities = new Set(team.deployments.flatMap((deployment) => [...deployment.workers]));
    for (const worker of team.workers.slice(0, 2)) expect(identities).toContain(team.identities.get(worker));
    team.passed++;
  }, 600_000);

  /**
   * Deploys `version` of a slow-rolling service and SIGKILLs (with its process group) the worker that
   * applies it, once the runtime is in the middle of the rollout; the other worker finishes it. Then
   * the killed machine's worker comes back: a new process in the same home.
   */
  async function killedMidWave(service: ServiceName, version: string, by: string): Promise<void> {
    const since = new Date();
    const ref = { stack: STACK, environment: DEV, service, component: 'api' };
    const running = startCli(['apply', '--stack', STACK, '--service', service, '--environment', DEV, '--var', `VERSION=${version}`, '--json'], team.cliEnv(by), team.repo.root);
    const handle = team.client.client.workflow.getHandle(deployServiceWorkflowId(STACK, DEV, service));
    await waitFor(async () => (await rolloutsOf(ref, version, since)).length > 0);
    const applying = await pendingApply(handle);
    const victimIndex = team.workers.findIndex((worker) => team.identities.get(worker) === applying);
    expect(victimIndex).toBeGreaterThanOrEqual(0);
    const victim = team.workers[victimIndex]!;
    const survivor = team.workers[1 - victimIndex]!;
    expect((await observer.state(ref))?.status.state).toBe('updating');
    note(`SIGKILL worker ${applying} in the middle of ${service}'s rollout`);
    const killedAt = Date.now();
    await killGroup(victim, 'SIGKILL');
    // Pulumi's plugins run in process groups of their own and outlive their engine: ended by pid.
    await killPids(processesReferencing(team.workerHomes[victimIndex]!).map((line) => Number(line.split(' ')[0])));

    const result = await running.done;
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ phase: 'succeeded' });
    note(`${service} ${version} finished ${((Date.now() - killedAt) / 1000).toFixed(1)}s after the kill`);
    const events = (await handle.fetchHistory()).events ?? [];
    // The apply ran again on the surviving worker (a history records the start of an activity's last
    // attempt only), and the deployment ended once.
    expect(applyStarts(events)).toEqual([{ attempt: 2, identity: team.identities.get(survivor) }]);
    expect(events.filter((event) => event.workflowExecutionCompletedEventAttributes)).toHaveLength(1);
    // Rolled out once, however many times Pulumi ran.
    expect(await rolloutsOf(ref, version, since)).toHaveLength(1);
    await team.record({ service, environment: DEV, version, by, kind: 'deploy', result: 'succeeded' });

    await team.restartWorker(victimIndex, 'worker-restarted');
    note('the restarted worker polls');
    // Its machine runs a worker again, but not one that could hold a lock taken before the kill:
    // such a lock, left by the killed worker's engine, is stale to the other machines.
    const stateDatabase = new StateDatabase(database!.url);
    const liveness = new WorkerLiveness(stateDatabase);
    try {
      await waitFor(() => liveness.hostRunsWorkers(team.machines[victimIndex]!));
      expect(await liveness.hostRunsWorkers(team.machines[victimIndex]!, new Date(killedAt))).toBe(false);
      expect(await liveness.hostRunsWorkers(team.machines[1 - victimIndex]!, new Date(killedAt))).toBe(true);
    } finally {
      await stateDatabase.close();
    }
  }

  async function rollback(service: ServiceName, by: string, to: string): Promise<void> {
    const rolledBack = await team.cli(by, ['rollback', '--service', service, '--environment', DEV, '--reason', 'the new version is slow', '--json']);
    expect(rolledBack.stderr).toBe('');
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ phase: 'succeeded' });
    await team.record({ service, environment: DEV, version: to, by, kind: 'rollback', result: 'succeeded' });
    note(`${service} rolled back to ${to}`);
  }

  /** `by` applies to production and waits; `approver` approves or rejects from their own machine. */
  async function decided(service: ServiceName, version: string, by: string, approver: string, approve: boolean): Promise<void> {
    const running = startCli(['apply', '--stack', STACK, '--service', service, '--environment', PROD, '--var', `VERSION=${version}`, '--json'], team.cliEnv(by), team.repo.root);
    const handle = team.client.client.workflow.getHandle(deployServiceWorkflowId(STACK, PROD, service));
    await waitFor(async () => {
      const progress = await deploymentProgress(handle).catch(() => undefined);
      return progress?.phase === 'awaiting-approval' && progress.version === version;
    });
    const decision = await team.cli(approver, approve ? ['approve', '--service', service, '--environment', PROD] : ['reject', '--service', service, '--environment', PROD, '--reason', 'not during the sale']);
    expect(decision.stderr).toBe('');
    const result = await running.done;
    expect(JSON.parse(result.stdout)).toMatchObject({ phase: approve ? 'succeeded' : 'rejected' });
    expect(result.code).toBe(approve ? 0 : 4);
    await team.record({ service, environment: PROD, version, by, kind: 'deploy', result: approve ? 'succeeded' : 'rejected', ...(approve ? { approvedBy: approver } : {}) });
    note(`${service} ${version} ${approve ? 'approved' : 'rejected'} by ${approver} in ${PROD}`);
  }

  clientChecks(team);
});

describe('the same client checks against one worker on the file backend', () => {
  const team: Team = new Team([SOLO], [undefined], () => undefined, async () => filePulumiState(team.workerHomes[0]!));

  beforeAll(() => team.start(), 240_000);
  afterAll(() => team.stop(team.passed === 6), 240_000);

  it('deploys two services at once, one of them twice (rolled back)', async () => {
    await Promise.all([
      (async () => {
        await team.apply('web', 'v1.0.0', 'alice@company.com', 'succeeded', SOLO);
        await team.apply('web', 'v1.1.0-unhealthy', 'bob@company.com', 'rolled_back', SOLO);
      })(),
      team.apply('orders', 'v1.0.0', 'dave@company.com', 'succeeded', SOLO),
    ]);
    team.passed++;
  }, 300_000);

  clientChecks(team);
});

/** What a CLI with an empty home must see of what `team` deployed, and what the state and the runtime must agree on. */
function clientChecks(team: Team): void {
  it('from an empty home: history lists every deployment with its result and who', async () => {
    const where = team.environments.flatMap((environment) => SERVICES.map((service) => ({ environment, service })));
    // At once, as the team's readers would: the CLI's start-up is most of each one's time.
    const histories = await Promise.all(where.map(({ environment, service }) => team.cli(READER, ['history', '--stack', STACK, '--service', service, '--environment', environment, '--limit', '50', '--json'], team.emptyHome)));
    for (const [index, { environment, service }] of where.entries()) {
      const history = histories[index]!;
      const expected = team.deployments.filter((deployment) => deployment.service === service && deployment.environment === environment).reverse();
      expect(history.stderr).toBe('');
      expect(history.code).toBe(0);
      const releases = (JSON.parse(history.stdout) as { releases: { version: string; kind: string; result: string; deployedBy: string; approvedBy?: { identity: string } }[] }).releases;
      expect(releases.map((release) => ({ version: release.version, kind: release.kind, result: release.result, by: release.deployedBy, approvedBy: release.approvedBy?.identity }))).toEqual(
        expected.map((deployment) => ({ version: deployment.version, kind: deployment.kind, result: deployment.result, by: deployment.by, approvedBy: deployment.approvedBy })),
      );
    }
    note('history checked');
    team.passed++;
  });

  it('from an empty home: plan has nothing to do for any deployed service', async () => {
    const current = [...team.currentVersions()];
    const plans = await Promise.all(
      current.map(([key, version]) => {
        const [environment, service] = key.split(' ') as [string, ServiceName];
        return team.cli(READER, ['plan', '--stack', STACK, '--service', service, '--environment', environment, '--var', `VERSION=${version}`, '--json'], team.emptyHome);
      }),
    );
    for (const [index, [key, version]] of current.entries()) {
      const plan = plans[index]!;
      expect(plan.stderr).toBe('');
      const json = JSON.parse(plan.stdout) as { noop: boolean; comparedWithDeployed: boolean; waves: unknown[] };
      expect({ key, version, comparedWithDeployed: json.comparedWithDeployed, noop: json.noop, waves: json.waves }).toEqual({ key, version, comparedWithDeployed: true, noop: true, waves: [] });
    }
    note('plans checked');
    team.passed++;
  });

  it('from an empty home: drift detect finds none, comparing with the versions the runtime runs', async () => {
    const current = team.currentVersions();
    const drifts = await Promise.all(team.environments.map((environment) => team.cli(READER, ['drift', 'detect', '--stack', STACK, '--environment', environment, '--json'], team.emptyHome)));
    for (const [index, environment] of team.environments.entries()) {
      const drift = drifts[index]!;
      expect(drift.code).toBe(0);
      const result = JSON.parse(drift.stdout) as DetectDriftResult;
      expect(result.drifted).toBe(false);
      const deployed = SERVICES.filter((service) => current.has(`${environment} ${service}`));
      expect(result.services.map((service) => service.service).sort()).toEqual([...deployed].sort());
      for (const service of result.services) {
        const version = current.get(`${environment} ${service.service}`);
        expect({ service: service.service, status: service.status, version: service.release?.version }).toEqual({ service: service.service, status: 'checked', version });
        expect(service.components.map((component) => `${component.id}:${component.status}`).sort()).toEqual(componentsOf(service.service as ServiceName).map((id) => `${id}:in-sync`));
        const api = await observer.state({ stack: STACK, environment, service: service.service, component: 'api' });
        expect(api?.status).toMatchObject({ state: 'running', version });
      }
    }
    note('drift checked');
    team.passed++;
  });

  it('from an empty home on the runtime\'s machine: status shows each service running its version, and its last deployment', async () => {
    // The local target is this machine's runtime: a CLI observes it through its state dir.
    const statuses = await Promise.all(team.environments.map((environment) => team.cli(READER, ['status', '--stack', STACK, '--environment', environment, '--json'], team.emptyHome, { DEPLOYER_LOCAL_RUNTIME_HOME: stateDir() })));
    for (const [index, environment] of team.environments.entries()) {
      const status = statuses[index]!;
      expect(status.stderr).toBe('');
      const services = (JSON.parse(status.stdout) as { services: { service: string; lastRelease?: { version: string; result: string; deployedBy: string }; components: { name: string; state?: { status: { state: string; version?: string } } }[] }[] }).services;
      for (const service of services) {
        // The last deployment that ran: a rejected one deployed nothing.
        const last = team.deployments.filter((deployment) => deployment.service === service.service && deployment.environment === environment && deployment.result !== 'rejected').at(-1);
        const version = team.currentVersions().get(`${environment} ${service.service}`);
        expect({ service: service.service, last: service.lastRelease && { version: service.lastRelease.version, result: service.lastRelease.result, by: service.lastRelease.deployedBy } }).toEqual({
          service: service.service,
          last: last && { version: last.version, result: last.result, by: last.by },
        });
        const api = service.components.find((component) => component.name === 'api');
        expect({ service: service.service, state: api?.state?.status.state, version: api?.state?.status.version }).toEqual(version ? { service: service.service, state: 'running', version } : { service: service.service, state: undefined, version: undefined });
      }
    }
    // Nothing was written to the reader's home: everything came through Temporal.
    expect(fs.readdirSync(team.emptyHome)).toEqual([]);
    note('status checked');
    team.passed++;
  });

  it('the Pulumi state is what runs: one stack per deployed service, one resource per component, nothing pending, no lock, nothing orphaned', async () => {
    const current = team.currentVersions();
    const expected = [...current.keys()].flatMap((key) => {
      const [environment, service] = key.split(' ') as [string, ServiceName];
      return componentsOf(service).map((id) => ({ environment, service, id, version: current.get(key)! }));
    });
    const state = await team.pulumiState();
    expect(state.keys.filter((key) => key.includes('.pulumi/locks/'))).toEqual([]);
    const stackOf = (environment: string, service: string) => `${STACK}/${serviceStackName({ stack: STACK, environment, service }).stack}`;
    expect([...state.stacks.keys()].sort()).toEqual([...new Set(expected.map(({ environment, service }) => stackOf(environment, service)))].sort());
    // The runtime runs exactly these components of the environments: nothing Pulumi forgot, nothing twice.
    const running = (await RuntimeClient.connect().request<{ key: string }[]>('GET', '/v1/components'))
      .map((component) => component.key)
      .filter((key) => team.environments.some((environment) => key.startsWith(`${STACK}.${environment}.`)));
    expect(running.sort()).toEqual(expected.map(({ environment, id }) => `${STACK}.${environment}.${id.replace('/', '.')}`).sort());
    for (const { environment, service, id, version } of expected) {
      const checkpoint = state.stacks.get(stackOf(environment, service))!;
      expect({ id, environment, pending: checkpoint.latest?.pending_operations ?? [] }).toEqual({ id, environment, pending: [] });
      const resources = (checkpoint.latest?.resources ?? []).filter((resource) => resource.type.startsWith('pulumi-nodejs:dynamic:') && resource.urn.endsWith(`::${id.split('/')[1]}`));
      expect(resources).toHaveLength(1);
      const actual = await observer.state({ stack: STACK, environment, service, component: id.split('/')[1]! });
      expect(actual?.status.state).toBe('running');
      if (id.endsWith('/api')) {
        expect({ id, environment, recorded: resources[0]!.inputs?.image, runs: actual?.actual.image }).toEqual({ id, environment, recorded: `team-api:${version}`, runs: `team-api:${version}` });
      }
    }
    note('Pulumi state checked');
    team.passed++;
  });
}

/** The components of a service, as `<service>/<component>`, sorted. */
function componentsOf(service: ServiceName): string[] {
  return service === 'orders' ? ['orders/api', 'orders/queue'] : [`${service}/api`];
}

/** Pulumi's own PostgreSQL backend, read directly: its `pulumi_state` table of keys and values. */
async function postgresPulumiState(url: string): Promise<PulumiState> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  try {
    const rows = (await pg.query<{ key: string; data: unknown }>('SELECT key, data FROM pulumi_state ORDER BY key')).rows;
    const stacks = new Map<string, Checkpoint>();
    for (const row of rows) {
      const stack = stackOfKey(row.key);
      if (!stack) continue;
      // A JSON column holding the engine's bytes, base64-encoded: {"data": "eyJ2ZXJzaW9uIjoz..."}.
      const file = JSON.parse(Buffer.from((row.data as { data: string }).data, 'base64').toString('utf8')) as { checkpoint: Checkpoint };
      stacks.set(stack, file.checkpoint);
    }
    return { keys: rows.map((row) => row.key), stacks };
  } finally {
    await pg.end();
  }
}

/** Pulumi's file backend under a worker's state dir. */
function filePulumiState(home: string): PulumiState {
  const root = path.join(home, 'pulumi', 'state');
  const keys = (fs.readdirSync(path.join(root, '.pulumi'), { recursive: true }) as string[]).map((file) => `.pulumi/${file}`).filter((file) => fs.statSync(path.join(root, file)).isFile());
  const stacks = new Map<string, Checkpoint>();
  for (const key of keys) {
    const stack = stackOfKey(key);
    if (stack) stacks.set(stack, (JSON.parse(fs.readFileSync(path.join(root, key), 'utf8')) as { checkpoint: Checkpoint }).checkpoint);
  }
  return { keys, stacks };
}

/** `<project>/<stack>` of a stack's current checkpoint (`.pulumi/stacks/<project>/<stack>.json`); not its .bak. */
function stackOfKey(key: string): string | undefined {
  return /(?:^|\/)\.pulumi\/stacks\/([^/]+\/[^/]+)\.json$/.exec(key)?.[1];
}

/** deployer.yaml, the environments and the four services. */
function buildRepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-repo-'));
  const meta = { apiVersion: 'components.deployer.io/v1' };
  write(root, 'deployer.yaml', { ...meta, kind: 'Repository', metadata: { name: 'team-test' }, spec: { groups: { 'platform-team': ['carol@company.com', 'dave@company.com'] } } });
  const environment = (name: string, approval: Record<string, unknown>) =>
    write(root, `environments/${name}.yaml`, {
      ...meta,
      kind: 'Environment',
      metadata: { name },
      spec: {
        target: 'local',
        approval,
        rollout: { healthTimeout: '30s', monitorWindow: '2s', checkInterval: '1s' },
        rollback: { automatic: true, errorRatePercent: 5, p99LatencyMs: 2000 },
        local: { images: { 'team-api': { command: ['node', 'server.js'], workingDir: path.join(installRoot, 'examples', 'apps', 'notification-api') } } },
      },
    });
  environment(DEV, { required: false });
  environment(PROD, { required: true, timeout: '10m' });
  environment(SOLO, { required: false });
  for (const service of SERVICES) {
    write(root, `stacks/${STACK}/services/${service}/service.yaml`, {
      ...meta,
      kind: 'Service',
      metadata: { name: service, stack: STACK },
      spec: { team: 'team', owners: ['alice@company.com'], approvers: ['platform-team'] },
    });
    const slow = service === KILLED_MID_WAVE;
    write(root, `stacks/${STACK}/services/${service}/components/api/microservice.yaml`, {
      ...meta,
      kind: 'MicroService',
      metadata: { name: 'api', service, stack: STACK },
      spec: {
        image: 'team-api:${VERSION}',
        // One check a second while starting; the slow one turns healthy after 8 passing checks.
        healthCheck: { path: '/health', intervalSeconds: 1, timeoutSeconds: 1, healthyThreshold: slow ? 8 : 1, unhealthyThreshold: 2, gracePeriodSeconds: 2 },
        scaling: { replicas: 1 },
        ...(service === 'orders' ? { environment: [{ name: 'QUEUE_URL', valueFrom: { component: 'orders/queue', output: 'url' } }] } : {}),
      },
    });
  }
  write(root, `stacks/${STACK}/services/orders/components/queue/sqs.yaml`, {
    ...meta,
    kind: 'SQS',
    metadata: { name: 'queue', service: 'orders', stack: STACK },
    spec: { type: 'standard', visibilityTimeoutSeconds: 30 },
  });
  return root;
}

function write(root: string, file: string, content: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), YAML.stringify(content));
}

interface StateDatabaseProcess {
  url: string;
  stop(): Promise<void>;
}

/** The state database as `deployer dev start --state postgres` runs it, in a home of its own; resolves with its URL. */
async function startStateDatabase(logDir: string): Promise<StateDatabaseProcess> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-team-db-'));
  // As root PostgreSQL runs as the `postgres` user, which must enter the home.
  fs.chmodSync(home, 0o711);
  const log = fs.openSync(path.join(logDir, 'state-db.log'), 'a');
  const child = spawn(process.execPath, [path.join(installRoot, 'dist', 'src', 'devenv', 'stateDatabaseMain.js')], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, DEPLOYER_HOME: home },
  });
  fs.closeSync(log);
  const stop = async () => {
    await killGroup(child, 'SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
  };
  const urlFile = path.join(home, 'dev', 'state-db.url');
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`the state database exited with ${child.exitCode}; see ${logDir}/state-db.log`);
      return fs.existsSync(urlFile) && fs.readFileSync(urlFile, 'utf8').trim() !== '';
    }, 90_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: fs.readFileSync(urlFile, 'utf8').trim(), stop };
}

/** Destroys every component the release log says runs, through the state store the workers used. */
async function destroyDeployed(workerHome: string, stateUrl: string | undefined, root: string, environments: string[]): Promise<void> {
  const store = openStateStore(workerHome, { DEPLOYER_STATE_URL: stateUrl });
  try {
    const stacks = new ComponentStacks(store.pulumi);
    await Promise.all(
      environments.flatMap((environment) =>
        SERVICES.map(async (service) => {
          const spec = loadDesiredStack({ root, stack: STACK, environment, variables: { VERSION: 'v0' } }).environment.spec;
          // Dependents first: orders' api reads its queue.
          for (const component of (await lastReleased(store.releases, STACK, environment, service)).reverse()) {
            const deployment = componentDeployment(STACK, { name: environment, spec }, component);
            await destroyComponent(stacks, deployment, targetFor(deployment.environment).program(deployment));
          }
        }),
      ),
    );
  } finally {
    await store.close();
  }
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The identities of the workers that started the workflow's workflow and activity tasks. */
function taskIdentities(events: HistoryEvent[]): Set<string> {
  return new Set(events.flatMap((event) => [event.workflowTaskStartedEventAttributes?.identity, event.activityTaskStartedEventAttributes?.identity]).filter((identity): identity is string => Boolean(identity)));
}

/** The recorded starts of applyComponent: attempt and worker. */
function applyStarts(events: HistoryEvent[]): { attempt: number; identity: string }[] {
  const applies = new Set(events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'applyComponent').map((event) => String(event.eventId)));
  return events.flatMap((event) => {
    const start = event.activityTaskStartedEventAttributes;
    return start && applies.has(String(start.scheduledEventId)) ? [{ attempt: start.attempt!, identity: start.identity! }] : [];
  });
}

/** The worker running the deployment's applyComponent now, as Temporal sees it. */
async function pendingApply(handle: WorkflowHandle): Promise<string | undefined> {
  const pending = (await handle.describe()).raw.pendingActivities ?? [];
  return pending.find((activity) => activity.activityType?.name === 'applyComponent' && activity.lastWorkerIdentity)?.lastWorkerIdentity ?? undefined;
}

/** Runtime events of a component that start a rollout of `version`. */
async function rolloutsOf(ref: { stack: string; environment: string; service: string; component: string }, version: string, since: Date) {
  const events = await observer.events(ref, since).catch((error: unknown) => (error instanceof RuntimeRequestFailed && error.status === 404 ? [] : Promise.reject(error)));
  return events.filter((event) => event.type === 'rollout' && (event.message.startsWith(`rolling out ${version} `) || event.message.startsWith(`starting ${version} `)));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
