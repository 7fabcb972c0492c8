import { execFile, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { stateDir } from '../../src/paths';
import { deploymentProgress, deploymentResult } from '../../src/temporal/deployClient';
import { deployServiceWorkflowId, type DeploymentProgress } from '../../src/temporal/deployment';
import type { DecisionClaims } from '../../src/trust/claims';
import { toolPath } from '../../src/toolchain';
import { workerPorts } from '../../worker/ports';
import { runCli } from '../support/cli';
import { destroyReleased } from '../support/released';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testNamespace, testServerAddress, testWorker } from '../support/temporal';

// The approval gate tried as an adversary would, with the real CLI, the real Temporal CLI and a real
// worker on the task queue the CLI uses: policy edits that were never reviewed, approvals sent as
// raw Updates, a forged Slack channel, a decision replayed on another deployment, a self-approval by
// changing case, a key deployer.yaml does not list. Only a decision signed by a listed approver's
// own key is taken. A repo of its own: stack `trust`, environment `guarded` (approval required),
// service `orders` with one SQS queue.
describe('approvals that cannot be forged or replayed', () => {
  const STACK = 'trust';
  const ENVIRONMENT = 'guarded';
  const SERVICE = 'orders';
  const workflowId = deployServiceWorkflowId(STACK, ENVIRONMENT, SERVICE);
  const taskQueue = `trust-${crypto.randomUUID()}`;
  let repo: ReviewedRepo;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const cliEnv = (person: string): NodeJS.ProcessEnv => ({ ...repo.envFor(person), DEPLOYER_TASK_QUEUE: taskQueue, DEPLOYER_CONFIG: path.join(repo.root, 'no-config.json'), DEPLOYER_TEMPORAL_UI: '' });
  const deployer = (person: string, args: string[]) => runCli(args, cliEnv(person), repo.root);
  const apply = (person: string, version: string) => deployer(person, ['apply', '--stack', STACK, '--service', SERVICE, '--environment', ENVIRONMENT, '--var', `VERSION=${version}`, '--no-wait']);
  const approve = (person: string, extra: NodeJS.ProcessEnv = {}) =>
    runCli(['approve', '--service', SERVICE, '--environment', ENVIRONMENT], { ...cliEnv(person), ...extra }, repo.root);
  const progress = () => deploymentProgress(client.client.workflow.getHandle(workflowId));

  beforeAll(async () => {
    repo = ReviewedRepo.adopt(buildRepo());
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir()));
  });

  afterAll(async () => {
    try {
      const handle = client.client.workflow.getHandle(workflowId);
      if ((await handle.describe().catch(() => undefined))?.status.name === 'RUNNING') await handle.terminate('test cleanup');
      await client.client.schedule.getHandle(`drift/${STACK}/${ENVIRONMENT}`).delete().catch(() => undefined);
      await destroyReleased(workerPorts(stateDir()).stacks, repo.root, { stack: STACK, environment: ENVIRONMENT, service: SERVICE });
    } finally {
      await worker.stop();
      await client.close();
      repo.remove();
    }
  });

  it('an uncommitted or unmerged policy edit does not turn approval off: the deployment is refused', async () => {
    const environmentFile = `environments/${ENVIRONMENT}.yaml`;
    repo.editYaml(environmentFile, (doc) => doc.setIn(['spec', 'approval', 'required'], false));
    const dirty = await apply('alice@company.com', 'v0.1.0');
    expect(dirty.code).toBe(0);
    let result = await deploymentResult(client.client.workflow.getHandle(workflowId));
    expect(result.phase).toBe('failed');
    expect(result.reason).toMatch(/^guarded requires approval, so it deploys only reviewed commits: the checkout has uncommitted changes/);
    expect(result.progress.waves).toEqual([]);

    // Committed on a branch that was never merged: still not what the team reviewed.
    git(['checkout', '-q', '-b', 'no-approval']);
    repo.commit('turn approval off');
    await apply('alice@company.com', 'v0.1.1');
    result = await deploymentResult(client.client.workflow.getHandle(workflowId));
    expect(result.reason).toMatch(/its commit is not on the reviewed branch/);
    git(['checkout', '-q', 'main']);
  });

  it('refuses forged, replayed, self- and wrongly-signed decisions; takes a listed approver\'s signed one', async () => {
    const started = await apply('alice@company.com', 'v1.0.0');
    expect(started.code).toBe(0);
    await waitFor(async () => (await progress()).phase === 'awaiting-approval');
    const waiting = await progress();
    expect(waiting.approval).toMatchObject({ required: true, runId: expect.any(String), planHash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // A raw Update through the Temporal CLI claiming to come from Slack, with a made-up proof.
    const forgedClaims: DecisionClaims = { purpose: 'decision', workflowId, runId: waiting.approval.runId!, planHash: waiting.approval.planHash!, approve: true, by: 'carol@company.com', channel: 'slack', slackUserId: 'U0CAROL', issuedAt: new Date().toISOString(), nonce: crypto.randomUUID() };
    const forged = await temporalUpdate({ claims: forgedClaims, proof: { type: 'slack', mac: crypto.randomBytes(32).toString('base64') } });
    expect(forged.code).not.toBe(0);
    expect(forged.output).toContain('not signed by the Slack app');
    // The old shape, a bare claim with no proof at all.
    const claimed = await temporalUpdate({ approve: true, by: 'carol@company.com', channel: 'slack', authenticated: true });
    expect(claimed.code).not.toBe(0);

    // A self-approval by writing her own name in another case.
    const self = await approve('alice@company.com', { DEPLOYER_USER: 'ALICE@Company.com' });
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('requested this deployment and cannot approve it too');

    // Mallory signs as carol with her own key, which deployer.yaml does not list for carol.
    const impostor = await approve('carol@company.com', { DEPLOYER_SIGNING_KEY: repo.keyFile('mallory@company.com') });
    expect(impostor.code).toBe(1);
    expect(impostor.stderr).toContain('the signature is not made by a key deployer.yaml lists for carol@company.com');

    // A decision carol really signed, for another run (an earlier deployment's stale one), replayed here.
    const stale = await repo.decision({ ...waiting, approval: { ...waiting.approval, runId: 'an-earlier-run' } } as DeploymentProgress, 'carol@company.com');
    const replayed = await temporalUpdate(stale);
    expect(replayed.code).not.toBe(0);
    expect(replayed.output).toContain('this decision is for another deployment');
    expect((await progress()).phase).toBe('awaiting-approval');

    const approved = await approve('carol@company.com');
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    const result = await deploymentResult(client.client.workflow.getHandle(workflowId));
    expect(result.phase).toBe('succeeded');
    expect(result.release).toMatchObject({ version: 'v1.0.0', deployedBy: 'alice@company.com', requesterProof: 'ssh', approvedBy: { identity: 'carol@company.com', channel: 'cli' } });
    expect(result.release!.unreviewed).toBeUndefined();
  });

  it('refuses a production request from someone who cannot prove who they are', async () => {
    const unsigned = await runCli(['apply', '--stack', STACK, '--service', SERVICE, '--environment', ENVIRONMENT, '--var', 'VERSION=v2.0.0', '--no-wait'], { ...cliEnv('bob@company.com'), DEPLOYER_SIGNING_KEY: undefined, HOME: repo.scratch('home-without-keys-') }, repo.root);
    expect(unsigned.code).toBe(0);
    const result = await deploymentResult(client.client.workflow.getHandle(workflowId));
    expect(result.phase).toBe('failed');
    expect(result.reason).toMatch(/requester must be proven: sign with your SSH key listed for bob@company.com in deployer.yaml signingKeys/);
  });

  function git(args: string[]): void {
    execFileSync('git', args, { cwd: repo.root, stdio: 'ignore' });
  }

  /** Sends the approval Update as any Temporal client can: the Temporal CLI, JSON on the command line. */
  function temporalUpdate(decision: unknown): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      execFile(
        toolPath('temporal'),
        ['workflow', 'update', 'execute', '--address', testServerAddress(), '--namespace', testNamespace(), '--workflow-id', workflowId, '--name', 'approval', '--input', JSON.stringify(decision)],
        { timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      );
    });
  }
});

/** deployer.yaml with the example's groups and Slack users; environment `guarded` needs approval. */
function buildRepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-trust-'));
  const meta = { apiVersion: 'components.deployer.io/v1' };
  write(root, 'deployer.yaml', {
    ...meta,
    kind: 'Repository',
    metadata: { name: 'trust-test' },
    spec: { groups: { 'platform-team': ['carol@company.com', 'dave@company.com'] }, slackUsers: { U0CAROL: 'carol@company.com' } },
  });
  write(root, 'environments/guarded.yaml', {
    ...meta,
    kind: 'Environment',
    metadata: { name: 'guarded' },
    spec: { target: 'local', approval: { required: true, timeout: '10m' } },
  });
  write(root, 'stacks/trust/services/orders/service.yaml', {
    ...meta,
    kind: 'Service',
    metadata: { name: 'orders', stack: 'trust' },
    spec: { team: 'orders', owners: ['alice@company.com'], approvers: ['platform-team', 'alice@company.com'] },
  });
  write(root, 'stacks/trust/services/orders/components/queue/sqs.yaml', {
    ...meta,
    kind: 'SQS',
    metadata: { name: 'queue', service: 'orders', stack: 'trust' },
    spec: { type: 'standard', visibilityTimeoutSeconds: 30 },
  });
  return root;
}

function write(root: string, file: string, content: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), YAML.stringify(content));
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
