import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { serviceStackName } from '../../src/model/componentRef';
import { destroyComponent } from '../../activities/provisioning';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot, stateDir } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { targetFor } from '../../src/targets/targetFor';
import { deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import type { DeployServiceInput } from '../../src/temporal/deployment';
import { ReviewedRepo } from '../support/reviewedRepo';
import { startedAttempts, testClient } from '../support/temporal';
import { componentDeployment } from '../../src/targets/deployment';

// The Automation API makes a `$TMPDIR/automation-*` workspace for every inline-program operation
// unless given one; deployer gives it one under the state dir and removes it. The worker runs as its
// own process (`dist/worker/main.js`) with a TMPDIR of this test's own, so the count is exact
// whatever else runs on the machine. (In-process it could not be: jest gives a test a copy of
// process.env, which Node's os.tmpdir() never reads.)
describe('Pulumi workspaces', () => {
  const STACK = 'workspaces';
  const ENVIRONMENT = 'ws-dev';
  const taskQueue = `workspaces-${crypto.randomUUID()}`;
  let tmpdir: string;
  let repo: ReviewedRepo;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: ChildProcess;

  beforeAll(async () => {
    tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-workspaces-tmp-'));
    repo = ReviewedRepo.adopt(buildRepo());
    client = await testClient();
    worker = spawn(process.execPath, [path.join(installRoot, 'dist', 'worker', 'main.js')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      // Its stacks keep one update of history each: a second deployment shows the pruning.
      env: { ...process.env, TMPDIR: tmpdir, DEPLOYER_TASK_QUEUE: taskQueue, DEPLOYER_KEEP_RELEASES: '1' },
    });
  });

  afterAll(async () => {
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    if (worker.exitCode === null) worker.kill('SIGTERM');
    await exited;
    await client.close();
    repo.remove();
    fs.rmSync(tmpdir, { recursive: true, force: true });
  });

  /** The example's deployer.yaml and development environment, renamed, and one service with a queue. */
  function buildRepo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-workspaces-repo-'));
    const example = path.join(installRoot, 'examples', 'deployment-repo');
    fs.copyFileSync(path.join(example, 'deployer.yaml'), path.join(root, 'deployer.yaml'));
    const environment = YAML.parse(fs.readFileSync(path.join(example, 'environments', 'development.yaml'), 'utf8'));
    environment.metadata.name = ENVIRONMENT;
    // The broken service's image runs in a directory this repo does not have.
    environment.spec.local.images['notification-api'].workingDir = '../no-such-app';
    write(root, `environments/${ENVIRONMENT}.yaml`, environment);
    writeService(root, 'web');
    writeComponent(root, 'web', 'queue', 'SQS', { type: 'standard', visibilityTimeoutSeconds: 30 });
    writeService(root, 'broken');
    writeComponent(root, 'broken', 'api', 'MicroService', { image: 'notification-api:${VERSION}', port: 8080 });
    return root;
  }

  function writeComponent(root: string, service: string, name: string, kind: 'SQS' | 'MicroService', spec: Record<string, unknown>): void {
    write(root, `stacks/${STACK}/services/${service}/components/${name}/${kind.toLowerCase()}.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind,
      metadata: { name, service, stack: STACK },
      spec,
    });
  }

  function writeService(root: string, name: string): void {
    write(root, `stacks/${STACK}/services/${name}/service.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'Service',
      metadata: { name, stack: STACK },
      spec: { team: 'platform', owners: ['alice@company.com'], approvers: ['platform-team'] },
    });
  }

  function write(root: string, file: string, content: unknown): void {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), YAML.stringify(content));
  }

  const automationDirs = () => fs.readdirSync(tmpdir).filter((name) => name.startsWith('automation-'));

  function input(version: string, service = 'web'): DeployServiceInput {
    const desired = repo.rendered(loadDesiredStack({ root: repo.root, stack: STACK, environment: ENVIRONMENT, variables: { VERSION: version } }));
    return { desired, service, requestedBy: 'alice@company.com', version, kind: 'deploy' };
  }

  /** Updates the file backend recorded for the queue's service's stack (each has its history, checkpoint and attrs files). */
  function recordedUpdates(): string[] {
    const dir = path.join(stateDir(), 'pulumi', 'state', '.pulumi', 'history', STACK, serviceStackName({ stack: STACK, environment: ENVIRONMENT, service: 'web' }).stack);
    return [...new Set(fs.readdirSync(dir).flatMap((name) => /-(\d+)\./.exec(name)?.[1] ?? []))];
  }

  it('deployments and a destroy leave no workspace directory behind, and only the newest Pulumi updates', async () => {
    expect(automationDirs()).toEqual([]);
    for (const [version, visibilityTimeoutSeconds] of [['v1.0.0', 30], ['v1.0.1', 45]] as const) {
      repo.editYaml(`stacks/${STACK}/services/web/components/queue/sqs.yaml`, (doc) => doc.setIn(['spec', 'visibilityTimeoutSeconds'], visibilityTimeoutSeconds));
      repo.commit(`queue visibility ${visibilityTimeoutSeconds} s`);
      const result = await deploymentResult(await startServiceDeployment(client.client, input(version), taskQueue));
      expect(result.phase).toBe('succeeded');
    }
    expect(automationDirs()).toEqual([]);
    expect(recordedUpdates()).toHaveLength(1);

    const { desired } = input('v1.0.1');
    const queue = desired.services[0]!.components[0]!;
    const deployment = componentDeployment(STACK, desired.environment, queue);
    await destroyComponent(new ComponentStacks(localBackend(stateDir())), deployment, targetFor(deployment.environment).program(deployment));

    // The worker's operations and this test's destroy both leave nothing in their workspace root
    // (this stack's: a worker another test file SIGKILLed mid-operation had no chance to clean up).
    expect(automationDirs()).toEqual([]);
    expect(fs.readdirSync(localBackend(stateDir()).workspaces).filter((name) => name.startsWith(`${STACK}.`))).toEqual([]);
  });

  it('a component the target cannot run as written fails at once with the program\'s own message, not the engine\'s output', async () => {
    const handle = await startServiceDeployment(client.client, input('v1.0.0', 'broken'), taskQueue);
    const result = await deploymentResult(handle);
    // Nothing of it was created: the rollback has nothing to put back.
    expect(result.phase).toBe('rolled-back');
    const workingDir = path.join(repo.root, 'no-such-app');
    const failure = result.progress.waves.flatMap((wave) => wave.components).find((component) => component.id === 'broken/api')?.error;
    // What the program threw, and nothing else: no stack trace, no command line, no engine events.
    expect(failure).toBe(`broken/api: the working directory of local image "notification-api" (${workingDir}) does not exist on this machine. Fix local.images.notification-api.workingDir in environments/${ENVIRONMENT}.yaml (it is relative to environments/).`);
    // No retry mends a spec: the engine ran once.
    expect(startedAttempts((await handle.fetchHistory()).events!, 'applyComponent')).toEqual([1]);
  });
});
