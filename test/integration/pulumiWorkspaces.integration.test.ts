import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { stackIdOf } from '../../activities/deployment';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot, stateDir } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { programCatalogue } from '../../src/targets';
import { deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import type { DeployServiceInput } from '../../src/temporal/deployment';
import { workerPorts } from '../../worker/ports';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testWorker } from '../support/temporal';

// The Automation API makes a `$TMPDIR/automation-*` workspace for every inline-program operation
// unless given one; deployer gives it one under the state dir and removes it. The worker here gets
// a TMPDIR of this test's own, so other processes on the machine cannot blur the count.
describe('Pulumi workspaces', () => {
  const STACK = 'workspaces';
  const ENVIRONMENT = 'ws-dev';
  const taskQueue = `workspaces-${crypto.randomUUID()}`;
  const originalTmpdir = process.env.TMPDIR;
  let tmpdir: string;
  let repo: ReviewedRepo;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;

  beforeAll(async () => {
    tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-workspaces-tmp-'));
    process.env.TMPDIR = tmpdir;
    repo = ReviewedRepo.adopt(buildRepo());
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir()));
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
    repo.remove();
    process.env.TMPDIR = originalTmpdir;
    fs.rmSync(tmpdir, { recursive: true, force: true });
  });

  /** The example's deployer.yaml and development environment, renamed, and one service with a queue. */
  function buildRepo(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-workspaces-repo-'));
    const example = path.join(installRoot, 'examples', 'deployment-repo');
    fs.copyFileSync(path.join(example, 'deployer.yaml'), path.join(root, 'deployer.yaml'));
    const environment = YAML.parse(fs.readFileSync(path.join(example, 'environments', 'development.yaml'), 'utf8'));
    environment.metadata.name = ENVIRONMENT;
    write(root, `environments/${ENVIRONMENT}.yaml`, environment);
    write(root, `stacks/${STACK}/services/web/service.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'Service',
      metadata: { name: 'web', stack: STACK },
      spec: { team: 'platform', owners: ['alice@company.com'], approvers: ['platform-team'] },
    });
    write(root, `stacks/${STACK}/services/web/components/queue/sqs.yaml`, {
      apiVersion: 'components.deployer.io/v1',
      kind: 'SQS',
      metadata: { name: 'queue', service: 'web', stack: STACK },
      spec: { type: 'standard', visibilityTimeoutSeconds: 30 },
    });
    return root;
  }

  function write(root: string, file: string, content: unknown): void {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), YAML.stringify(content));
  }

  const automationDirs = () => fs.readdirSync(tmpdir).filter((name) => name.startsWith('automation-'));

  it('a deployment and a destroy leave no workspace directory behind', async () => {
    expect(automationDirs()).toEqual([]);
    const desired = repo.rendered(loadDesiredStack({ root: repo.root, stack: STACK, environment: ENVIRONMENT, variables: { VERSION: 'v1.0.0' } }));
    const input: DeployServiceInput = { desired, service: 'web', requestedBy: 'alice@company.com', version: 'v1.0.0', kind: 'deploy' };

    const result = await deploymentResult(await startServiceDeployment(client.client, input, taskQueue));
    expect(result.phase).toBe('succeeded');

    const queue = desired.services[0]!.components[0]!;
    const deployment = { ref: { stack: STACK, environment: ENVIRONMENT, service: 'web', component: 'queue' }, kind: queue.kind, spec: queue.spec, configs: queue.configs, environment: desired.environment.spec, resolved: {} };
    await new ComponentStacks(localBackend(stateDir())).destroy(stackIdOf(STACK, ENVIRONMENT, queue.id), programCatalogue.programFor(queue.kind, deployment));

    expect(automationDirs()).toEqual([]);
    expect(fs.readdirSync(localBackend(stateDir()).workspaces)).toEqual([]);
  });
});
