import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { PulumiFn } from '@pulumi/pulumi/automation';
import { Client as PgClient } from 'pg';
import { devStatus, startLocalRuntime, stopLocalRuntime } from '../../src/devenv/devEnvironment';
import { sleep } from '../../src/devenv/processes';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot } from '../../src/paths';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { targetFor } from '../../src/targets/targetFor';
import { ComponentRef, ComponentStackId } from '../../src/model/componentRef';
import { LocalObserver } from '../../src/targets/local/localObserver';
import type { ComponentOutputs } from '../../src/pulumi/recordedState';
import { resolveValueFrom } from '../../src/targets/resolveValueFrom';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { ComponentCheck } from '../../src/temporal/drift';
import { workerPorts } from '../../worker/ports';
import { descendantsOf, processesReferencing, SeenProcess, stillRunning } from '../support/processes';
import { redis } from '../support/redis';
import { componentDeployment } from '../../src/targets/deployment';

// A local runtime killed with SIGKILL (the OOM killer, `kill -9`), as on a user's machine: its own
// runtime in its own state dir, started the way `deployer dev start` starts it. Its successor must
// end what it left running and bring every component back with its data.
describe('a local runtime killed with SIGKILL', () => {
  const repo = path.join(installRoot, 'examples', 'deployment-repo');
  const outputs = new Map<string, ComponentOutputs>();
  const dataComponents = ['database', 'cache', 'queue'];
  let home: string;
  let previousHome: string | undefined;
  let observer: LocalObserver;
  let leftByTheKilledRuntime: SeenProcess[] = [];

  const stack = loadDesiredStack({ root: repo, stack: 'user-platform', environment: 'development', variables: { VERSION: 'v1.2.0' } });
  const componentOf = (id: string) => stack.services.flatMap((service) => service.components).find((candidate) => candidate.id === id)!;
  const ref = (component: string): ComponentRef => ({ stack: 'user-platform', environment: 'development', service: 'notification-service', component });
  const output = (component: string, name: string) => String(outputs.get(`notification-service/${component}`)?.[name]?.value);

  /** A component's Pulumi stack and program, its references resolved from the outputs so far. */
  const stackOf = (id: string): [ComponentStackId, PulumiFn] => {
    const component = componentOf(id);
    const deployment = componentDeployment(stack.stack, stack.environment, component, { resolved: resolveValueFrom(component, (source) => outputs.get(source)) });
    return [{ project: stack.stack, stack: `${component.service}.${component.name}.development` }, targetFor(deployment.environment).program(deployment)];
  };

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-crash-'));
    // When tests run as root, PostgreSQL runs as another user that must be able to enter the state dir.
    fs.chmodSync(home, 0o711);
    previousHome = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = home;
    await startLocalRuntime();
    observer = new LocalObserver();
  });

  afterAll(async () => {
    await stopLocalRuntime();
    const leftovers = [...stillRunning(leftByTheKilledRuntime).map((process) => `${process.pid} ${process.command}`), ...processesReferencing(home)];
    // Whatever a failed run left is ended here, so it never outlives the test; the assertion below says it happened.
    for (const pid of new Set(leftovers.map((line) => Number(line.split(' ')[0])))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    process.env.DEPLOYER_HOME = previousHome;
    fs.rmSync(home, { recursive: true, force: true });
    expect(leftovers).toEqual([]);
  });

  it('ends what it left running and restores every component with its data', async () => {
    // The example stack through the real engine: PostgreSQL, Redis and a queue, then the apis that use them.
    const stacks = new ComponentStacks(localBackend(home));
    const up = async (id: string) => {
      const [stackId, program] = stackOf(id);
      await stacks.up(stackId, program, {});
      outputs.set(id, await stacks.outputs(stackId, program));
    };
    await Promise.all([...dataComponents.map((name) => `notification-service/${name}`), 'user-service/database'].map(up));
    await up('user-service/api');
    await up('notification-service/api');

    const pg = postgres();
    await pg.connect();
    await pg.query('CREATE TABLE notes (body text)');
    await pg.query("INSERT INTO notes VALUES ('written before the kill')");
    await pg.end();
    expect(await redis(Number(output('cache', 'port')), 'SET greeting hello')).toBe('+OK');

    const runtimePid = (await devStatus()).components.find((component) => component.name === 'runtime')!.pid!;
    leftByTheKilledRuntime = descendantsOf(runtimePid);
    // Four replicas, two PostgreSQL servers (with their own workers), redis-server and the SQS emulator at least.
    expect(leftByTheKilledRuntime.length).toBeGreaterThanOrEqual(8);
    process.kill(runtimePid, 'SIGKILL');
    // Gone from /proc, not only dead: `dev start` takes a zombie's pid for a runtime still running.
    while (fs.existsSync(`/proc/${runtimePid}`)) await sleep(50);
    // Nothing ends them with their parent: this is what the next start must deal with.
    expect(stillRunning(leftByTheKilledRuntime).length).toBeGreaterThan(0);

    await startLocalRuntime();
    expect(stillRunning(leftByTheKilledRuntime)).toEqual([]);
    for (const component of dataComponents) expect((await observer.state(ref(component)))?.status.state).toBe('running');
    await waitFor(async () => (await observer.health(ref('api'))).healthy);

    const again = postgres();
    await again.connect();
    expect((await again.query('SELECT body FROM notes')).rows).toEqual([{ body: 'written before the kill' }]);
    await again.end();
    expect(await redis(Number(output('cache', 'port')), 'GET greeting')).toBe('$5\r\nhello');
    const sqs = new SQSClient({ endpoint: new URL(output('queue', 'url')).origin, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await expect(sqs.send(new GetQueueAttributesCommand({ QueueUrl: output('queue', 'url') }))).resolves.toBeDefined();
    sqs.destroy();
  });

  it('a database whose server dies is stopped: the health gate says so, drift reports it, and remediation starts it again', async () => {
    const lock = path.join(home, 'local', 'components', 'user-platform.development.notification-service.database', 'pgdata', 'postmaster.pid');
    process.kill(Number(fs.readFileSync(lock, 'utf8').split('\n')[0]), 'SIGKILL');
    await waitFor(async () => (await observer.state(ref('database')))?.status.state === 'stopped');

    const ports = workerPorts(home);
    const gate = new MockActivityEnvironment().run(createActivities(ports).awaitHealthy, { environment: stack.environment.spec, refs: [{ ...ref('database'), kind: 'RDS' as const }], timeoutMs: 1000 });
    await expect(gate).rejects.toThrow('notification-service/database (PostgreSQL is not running)');

    const { source: _source, ...database } = componentOf('notification-service/database');
    const environment = { name: 'development', spec: stack.environment.spec };
    const check = (await new MockActivityEnvironment().run(createActivities(ports).checkComponentDrift, { stack: 'user-platform', environment, component: database })) as ComponentCheck;
    expect(check.fields).toEqual([expect.objectContaining({ field: 'status', desired: 'running', actual: 'stopped', severity: 'high' })]);

    // Remediation applies the release again; none of its settings changed, yet the server starts.
    await new ComponentStacks(localBackend(home)).up(...stackOf('notification-service/database'), {});
    expect((await observer.state(ref('database')))?.status.state).toBe('running');
    const pg = postgres();
    await pg.connect();
    expect((await pg.query('SELECT body FROM notes')).rows).toEqual([{ body: 'written before the kill' }]);
    await pg.end();
    const after = (await new MockActivityEnvironment().run(createActivities(ports).checkComponentDrift, { stack: 'user-platform', environment, component: database })) as ComponentCheck;
    expect(after.fields).toEqual([]);
  });

  function postgres(): PgClient {
    return new PgClient({ host: '127.0.0.1', port: Number(output('database', 'port')), user: 'notifications', password: output('database', 'password'), database: 'notifications' });
  }
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}
