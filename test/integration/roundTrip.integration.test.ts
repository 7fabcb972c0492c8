import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { ComponentStacks } from '../../src/pulumi/componentStacks';
import { testFilesCatalogue, TestFilesSpec } from '../fixtures/fileResourceProgram';
import type { ComponentOperation } from '../support/componentStack/activities';
import { testClient, testWorker } from '../support/temporal';
import { workerPorts } from '../../worker/ports';

// The foundation's proof: a real Temporal dev server runs a workflow whose activity drives the real
// Pulumi engine (file backend, passphrase secrets) over a dynamic-provider resource.
describe('Temporal + Pulumi round trip', () => {
  const taskQueue = `round-trip-${crypto.randomUUID()}`;
  let dir: string;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-round-trip-'));
    const backend = { url: `file://${dir}/state`, home: path.join(dir, 'home'), workspaces: path.join(dir, 'workspaces'), passphrase: async () => 'round-trip-test', stackState: async () => undefined, pruneHistory: async () => undefined, hostRunsWorkers: async () => true };
    fs.mkdirSync(path.join(dir, 'state'));
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(dir, { stacks: new ComponentStacks(backend), programs: testFilesCatalogue }), { componentStackWorkflows: true });
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function operation(stack: string, spec: TestFilesSpec): ComponentOperation {
    return { stackId: { project: 'round-trip', stack }, kind: 'TestFiles', spec };
  }

  function execute(workflow: string, op: ComponentOperation) {
    return client.client.workflow.execute(workflow, { taskQueue, workflowId: `${workflow}-${crypto.randomUUID()}`, args: [op] });
  }

  it('applies, detects drift made behind Pulumi\'s back, and destroys', async () => {
    const file = path.join(dir, 'greeting.txt');
    const op = operation('svc.greeting.dev', { files: [{ path: file, content: 'hello' }] });

    const up = await execute('applyComponentStack', op);
    expect(up.outputs).toEqual({ content0: 'hello' });
    expect(up.changes).toMatchObject({ create: 2 });
    expect(fs.readFileSync(file, 'utf8')).toBe('hello');

    expect(await execute('detectComponentStackDrift', op)).toEqual([]);

    fs.writeFileSync(file, 'changed by hand');
    const drift = await execute('detectComponentStackDrift', op);
    expect(drift).toEqual([
      expect.objectContaining({ name: 'file-0', kind: 'changed', fields: [{ field: 'content', recorded: 'hello', actual: 'changed by hand' }] }),
    ]);

    fs.rmSync(file);
    expect(await execute('detectComponentStackDrift', op)).toEqual([expect.objectContaining({ name: 'file-0', kind: 'deleted' })]);

    await execute('destroyComponentStack', op);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('cancelling the workflow stops the Pulumi operation and leaves a consistent state', async () => {
    const first = path.join(dir, 'first.txt');
    const second = path.join(dir, 'second.txt');
    const started = path.join(dir, 'first.started');
    // Longer than the activity's heartbeat interval (5 s), at which the cancellation reaches it.
    const op = operation('svc.slow.dev', {
      files: [
        { path: first, content: 'one', delayMs: 10_000, startedMarker: started },
        { path: second, content: 'two' },
      ],
    });
    const handle = await client.client.workflow.start('applyComponentStack', { taskQueue, workflowId: `cancel-${crypto.randomUUID()}`, args: [op] });
    await waitFor(async () => fs.existsSync(started));
    await handle.cancel();

    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    // The engine finished the step in flight, then stopped before starting the next one.
    expect(fs.existsSync(second)).toBe(false);

    // The stack is not left locked or half-written: the next apply converges.
    const retry = await execute('applyComponentStack', { ...op, spec: { files: [{ path: first, content: 'one' }, { path: second, content: 'two' }] } });
    expect(retry.outputs).toEqual({ content0: 'one', content1: 'two' });
    expect(fs.readFileSync(second, 'utf8')).toBe('two');
    await execute('destroyComponentStack', op);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
