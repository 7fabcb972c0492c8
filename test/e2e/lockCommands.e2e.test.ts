import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { awaitRollback, startRollback } from '../../cli/rollback';
import { devEndpoints } from '../../src/devenv/endpoints';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { installRoot, stateDir } from '../../src/paths';
import { FileReleaseStore } from '../../src/releases/fileReleaseStore';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { deploymentProgress, deploymentResult, startServiceDeployment } from '../../src/temporal/deployClient';
import type { DeployServiceInput } from '../../src/temporal/deployment';
import { workerPorts } from '../../worker/ports';
import { runCli, startCli } from '../support/cli';
import { exitCodeOf } from '../../cli/exitCodes';
import { get } from '../support/load';
import { loggedNotifications } from '../support/notifications';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testNamespace, testWorker } from '../support/temporal';
import { detachFromUserService } from '../support/exampleRepo';
import { lastReleased } from '../../src/releases/releaseLog';

// `deployer state locks`, `unlock`, `rollback` and `apply` as a user runs them, against the dev server
// and local runtime that globalSetup started and a worker on a task queue of this file's own, which
// the CLI reaches through DEPLOYER_TASK_QUEUE (as the worker reads it), kept to this file's lifetime.
// The example repo is copied with two environments of its own, so nothing collides with other test
// files: `locked` (approval required: a deployment waits there and holds the lock) and `rb` (no
// approval: deployed twice, then rolled back).
describe('deployer state locks / unlock / rollback', () => {
  const stack = 'user-platform';
  const service = 'notification-service';
  const user = 'ops@company.com';
  let reviewed: ReviewedRepo;
  const taskQueue = `locks-${crypto.randomUUID()}`;
  let repo: string;
  let cliEnv: NodeJS.ProcessEnv;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const releases = () => new FileReleaseStore(path.join(stateDir(), 'releases'));
  const cli = (args: string[]) => runCli(args, cliEnv, repo);

  beforeAll(async () => {
    reviewed = ReviewedRepo.adopt(copyExampleRepo());
    repo = reviewed.root;
    cliEnv = {
      DEPLOYER_HOME: process.env.DEPLOYER_HOME,
      DEPLOYER_USER: user,
      DEPLOYER_TASK_QUEUE: taskQueue,
      // Nothing from the machine's own settings: the dev server's UI gives the links.
      DEPLOYER_CONFIG: path.join(repo, 'no-config.json'),
      DEPLOYER_TEMPORAL_UI: '',
    };
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir()));
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
    reviewed.remove();
  });

  function desired(environment: string, version: string, tune: (spec: DesiredStack['environment']['spec']) => void = () => undefined): DesiredStack {
    const model = loadDesiredStack({ root: repo, stack, environment, variables: { VERSION: version } });
    model.environment.spec.rollout = { healthTimeout: '40s', monitorWindow: '2s', checkInterval: '1s' };
    tune(model.environment.spec);
    return reviewed.rendered(model);
  }

  function input(environment: string, version: string, tune?: Parameters<typeof desired>[2]): DeployServiceInput {
    return { desired: desired(environment, version, tune), service, requestedBy: 'alice@company.com', version, kind: 'deploy' };
  }

  async function holdLock(environment: string, version: string, tune?: Parameters<typeof desired>[2]) {
    const request = await reviewed.request('alice@company.com', { action: 'deploy', stack, environment, version });
    const handle = await startServiceDeployment(client.client, { ...input(environment, version, tune), request }, taskQueue);
    await waitFor(async () => (await deploymentProgress(handle)).phase === 'awaiting-approval');
    return handle;
  }

  it('lists the held lock, refuses to unlock without --force, and ends it with --force, recording who and why', async () => {
    const handle = await holdLock('locked', 'v1.2.0');
    const workflowId = 'deploy/user-platform/locked/notification-service';
    const url = `${devEndpoints().uiUrl}/namespaces/${testNamespace()}/workflows/deploy%2Fuser-platform%2Flocked%2Fnotification-service`;

    const human = await cli(['state', 'locks', '--stack', stack, '--environment', 'locked']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Locks held on user-platform (locked): 1\n\nnotification-service\n  Held by:   alice@company.com (deploying v1.2.0)\n  Since:     ');
    expect(human.stdout).toMatch(/ {2}Since: {5}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ seconds? ago\)\n/);
    expect(human.stdout).toContain(`  Phase:     awaiting-approval\n  Workflow:  ${workflowId}\n  UI:        ${url}\n`);
    expect(human.stdout).toContain('  deployer unlock --stack user-platform --environment locked --service notification-service --force --reason "<why>"');

    const json = await cli(['state', 'locks', '--stack', stack, '--environment', 'locked', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ stack, environment: 'locked', service, heldBy: 'alice@company.com', version: 'v1.2.0', kind: 'deploy', phase: 'awaiting-approval', phaseSource: 'progress', workflowId, url }),
    ]);
    const other = await cli(['state', 'locks', '--stack', stack, '--environment', 'locked', '--service', 'user-service']);
    expect(other.stdout.trim()).toBe('No lock held on user-service in user-platform (locked).');

    // Without --force: an explanation, exit 2, and the deployment untouched.
    const refused = await cli(['unlock', '--stack', stack, '--environment', 'locked']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Error: a lock is held on user-platform (locked); nothing was changed:\n  notification-service: alice@company.com is deploying v1.2.0 since ');
    expect(refused.stderr).toContain('--force ends that deployment: the workflow is terminated where it stands');
    expect(refused.stderr).toContain('  deployer unlock --stack user-platform --environment locked --service notification-service --force --reason "<why>"');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // A rollback cannot start while the lock is held: exit 3, naming the holder.
    const rollback = await cli(['rollback', '--service', service, '--environment', 'locked']);
    expect(rollback.code).toBe(3);
    expect(rollback.stderr).toContain('Error: cannot roll back now: notification-service in locked is locked: alice@company.com is deploying v1.2.0 since ');
    expect(rollback.stderr).toContain(`(workflow ${workflowId}). Wait for it`);

    const reasonless = await cli(['unlock', '--stack', stack, '--environment', 'locked', '--force']);
    expect(reasonless.code).toBe(2);
    expect(reasonless.stderr).toContain('a forced unlock needs a reason: add --reason "<why>"');
    const forced = await cli(['unlock', '--stack', stack, '--environment', 'locked', '--force', '--reason', 'stuck']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`Forced unlock on user-platform (locked) by ${user}: stuck\n✓ notification-service: ended alice@company.com's deployment of v1.2.0 (phase awaiting-approval, started `);
    expect(forced.stdout).toContain(`; workflow ${workflowId} terminated. The lock is free.\n    Recorded: a lock-forced notification (no release record: the service was never released here).`);

    // Terminated by the user, with the reason, in the workflow's own history.
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    const terminated = (await handle.fetchHistory()).events!.find((event) => event.workflowExecutionTerminatedEventAttributes)!.workflowExecutionTerminatedEventAttributes!;
    expect({ identity: terminated.identity, reason: terminated.reason }).toEqual({ identity: user, reason: `forced unlock by ${user}: stuck` });
    expect(loggedNotifications().filter((notification) => notification.environment === 'locked').pop()).toMatchObject({
      type: 'lock-forced',
      stack,
      service,
      by: user,
      version: 'v1.2.0',
      workflowId,
      // ops@company.com has no signing key: the record says so rather than vouching for the name.
      message: `${user} (identity not proven) forced the lock of notification-service in locked open, ending alice@company.com's deployment of v1.2.0 (awaiting-approval): stuck`,
    });
    expect(await releases().history(stack, 'locked', service)).toEqual([]);

    // Visibility catches up within moments.
    await waitFor(async () => (await cli(['state', 'locks', '--stack', stack, '--environment', 'locked'])).stdout.trim() === 'No locks held on user-platform (locked).', 20000);
    expect(JSON.parse((await cli(['state', 'locks', '--stack', stack, '--environment', 'locked', '--json'])).stdout)).toEqual([]);
    const nothing = await cli(['unlock', '--stack', stack, '--environment', 'locked', '--force']);
    expect({ code: nothing.code, stdout: nothing.stdout.trim() }).toEqual({ code: 0, stdout: 'No locks held on user-platform (locked). Nothing to unlock.' });
  });

  it('deploys with apply on the task queue DEPLOYER_TASK_QUEUE names, rolls back to the previous release, to a named one without waiting, and refuses a version that was never released', async () => {
    // The only worker polls this file's queue: an apply that ignored DEPLOYER_TASK_QUEUE would wait forever.
    const apply = startCli(['apply', '--stack', stack, '--service', service, '--environment', 'rb', '--var', 'VERSION=v1.2.0'], cliEnv, repo);
    const deployment = client.client.workflow.getHandle('deploy/user-platform/rb/notification-service');
    await waitFor(async () => (await deployment.describe().catch(() => undefined)) !== undefined);
    expect((await deployment.describe()).taskQueue).toBe(taskQueue);
    const applied = await apply.done;
    expect({ code: applied.code, success: applied.stdout.includes('✓ Deployment successful!') }).toEqual({ code: 0, success: true });
    // Progress on stderr, the outcome (data) on stdout.
    const progressLine = /^ {2}wave \d+ notification-service\/api: /m;
    expect({ stderr: progressLine.test(applied.stderr), stdout: progressLine.test(applied.stdout) }).toEqual({ stderr: true, stdout: false });
    const result = await deploymentResult(await startServiceDeployment(client.client, input('rb', 'v1.3.0'), taskQueue));
    expect(result.phase).toBe('succeeded');
    expect(await served('rb')).toContain('v1.3.0');

    const back = await cli(['rollback', '--service', service, '--environment', 'rb', '--reason', 'v1.3.0 misbehaves']);
    expect({ code: back.code, stderr: back.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('Rolling back notification-service in rb (stack user-platform) to the previous good release; workflow rollback/user-platform/rb/notification-service/') });
    expect(back.stdout).toMatch(/^✓ Rolled back notification-service in rb to version v1\.2\.0 in \d+m \d+s\.\n {2}Changed: api\n {2}Requested by: ops@company\.com\n {2}Reason: v1\.3\.0 misbehaves\n {2}Workflow: rollback\/user-platform\/rb\/notification-service\/\S+\n {2}Temporal UI: http/);
    expect(await served('rb')).toContain('v1.2.0');
    expect((await releases().history(stack, 'rb', service))[0]).toMatchObject({ version: 'v1.2.0', result: 'succeeded', deployedBy: user, workflowId: 'deploy/user-platform/rb/notification-service' });

    const started = await cli(['rollback', '--service', service, '--environment', 'rb', '--to-version', 'v1.3.0', '--no-wait', '--json']);
    expect(started.code).toBe(0);
    const { workflowId, nextSteps } = JSON.parse(started.stdout) as { workflowId: string; nextSteps: unknown };
    expect(workflowId).toMatch(/^rollback\/user-platform\/rb\/notification-service\/\d{4}-\d\d-\d\dT/);
    expect(nextSteps).toEqual([{ command: 'deployer status --service notification-service --environment rb --follow', why: 'follow it until it ends' }]);
    expect(await client.client.workflow.getHandle(workflowId).result()).toMatchObject({ phase: 'succeeded', release: { version: 'v1.3.0', deployedBy: user } });
    expect(await served('rb')).toContain('v1.3.0');

    const missing = await cli(['rollback', '--service', service, '--environment', 'rb', '--to-version', 'v9.9.9']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error: notification-service has no successful release v9.9.9 in rb; successful releases: v1.3.0, v1.2.0. Nothing was changed.');
    const json = await cli(['rollback', '--service', service, '--environment', 'rb', '--to-version', 'v9.9.9', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'NO_ROLLBACK_TARGET', message: expect.stringContaining('has no successful release v9.9.9') } });
  });

  it('a forced unlock of a service released before leaves a cancelled release record', async () => {
    // The team makes `rb` require approval on the reviewed branch, so a deployment waits there holding the lock.
    const approvalRequired = (required: boolean) => {
      reviewed.editYaml('environments/rb.yaml', (doc) => doc.setIn(['spec', 'approval', 'required'], required));
      reviewed.commit(`rb approval required: ${required}`);
    };
    approvalRequired(true);
    const handle = await holdLock('rb', 'v1.4.0');
    approvalRequired(false);
    // A rollback started past the CLI's own check finds the lock when it starts its deployment: still exit 3.
    const request = { stack, environment: 'rb', service, requestedBy: user };
    const rollback = await startRollback(client.client, request, { taskQueue });
    const refused = await awaitRollback(client.client, rollback, request).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      code: 'LOCKED',
      message: expect.stringContaining('cannot roll back now: notification-service in rb is locked: alice@company.com is deploying v1.4.0 since '),
    });
    expect(exitCodeOf(refused)).toBe(3);

    const forced = await cli(['unlock', '--stack', stack, '--environment', 'rb', '--service', service, '--force', '--reason', 'testing records', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ by: user, reason: 'testing records', ended: [{ service, terminated: true, record: { releaseRecorded: true, notified: true } }] });
    expect((await handle.describe()).status.name).toBe('TERMINATED');
    expect((await releases().history(stack, 'rb', service))[0]).toMatchObject({
      version: 'v1.4.0',
      result: 'cancelled',
      reason: `forced unlock by ${user}: testing records`,
      deployedBy: 'alice@company.com',
      workflowId: 'deploy/user-platform/rb/notification-service',
    });
    expect(loggedNotifications().pop()).toMatchObject({ type: 'lock-forced', environment: 'rb', by: user, channel: '#notifications-deploys' });
    // The cancelled record is no rollback target, and what runs is unchanged.
    expect(await served('rb')).toContain('v1.3.0');
  });

  it('decommission removes every component on purpose, after the name is repeated', async () => {
    const unconfirmed = await cli(['decommission', '--stack', stack, '--service', service, '--environment', 'rb', '--confirm', 'notification']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--confirm must repeat the service name (notification-service)');
    const removed = await cli(['decommission', '--stack', stack, '--service', service, '--environment', 'rb', '--confirm', service, '--reason', 'end of the test']);
    expect(removed.stderr).toContain('Decommissioning notification-service in rb');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/✓ notification-service decommissioned in rb: removed (api|cache|database|queue)(, (api|cache|database|queue)){3}\./);
    expect(await new LocalObserver().state({ stack, environment: 'rb', service, component: 'api' })).toBeUndefined();
    expect((await lastReleased(releases(), stack, 'rb', service))).toEqual([]);
    const again = await cli(['decommission', '--stack', stack, '--service', service, '--environment', 'rb', '--confirm', service]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('notification-service runs nothing in rb that deployer knows of: nothing to decommission');
  });
});

/** The example repo with environments `locked` (a copy of production) and `rb` (of development). */
function copyExampleRepo(): string {
  const example = path.join(installRoot, 'examples', 'deployment-repo');
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-locks-e2e-'));
  fs.cpSync(example, repo, { recursive: true });
  const app = path.join(installRoot, 'examples', 'apps', 'notification-api');
  const environments = path.join(repo, 'environments');
  for (const [name, from] of [['locked', 'production'], ['rb', 'development']] as const) {
    const text = fs.readFileSync(path.join(environments, `${from}.yaml`), 'utf8');
    // Short monitoring windows, as the deployments this file starts itself use (apply reads the file).
    const copy = text
      .replace(`name: ${from}\n`, `name: ${name}\n`)
      .replace(/monitorWindow: \w+/, 'monitorWindow: 2s')
      .replace(/checkInterval: \w+/, 'checkInterval: 1s')
      .replaceAll('workingDir: ../../apps/notification-api', `workingDir: ${app}`);
    fs.writeFileSync(path.join(environments, `${name}.yaml`), copy);
  }
  // notification-service alone: user-service is not deployed in these environments.
  detachFromUserService(repo);
  return repo;
}

async function served(environment: string): Promise<string> {
  const state = await new LocalObserver().state({ stack: 'user-platform', environment, service: 'notification-service', component: 'api' });
  return (await get(`${state!.outputs.url}/version`)).body;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
