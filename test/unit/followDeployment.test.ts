import type { WorkflowHandle } from '@temporalio/client';
import { followDeployment } from '../../cli/followDeployment';
import { resultThroughOutages } from '../../src/temporal/workflowResult';
import type { DeploymentProgress, DeployServiceResult } from '../../src/temporal/deployment';

// `apply` follows a deployment through its progress query; while no worker answers queries (it was
// killed, or is restarting) the deployment goes on in Temporal, so following must go on too.
describe('following a deployment', () => {
  const progress = (phase: DeploymentProgress['phase']): DeploymentProgress =>
    ({ workflowId: 'deploy/s/development/api', stack: 's', environment: 'development', service: 'api', version: 'v1', kind: 'deploy', requestedBy: 'alice@company.com', phase, startedAt: '2026-12-05T10:00:00Z', waves: [], approval: { required: false, approvers: [] } }) as DeploymentProgress;

  it('keeps following while no worker answers, says so once, and returns the result', async () => {
    let finish: (result: DeployServiceResult) => void = () => undefined;
    const result = new Promise<DeployServiceResult>((resolve) => (finish = resolve));
    const answers: (() => Promise<DeploymentProgress>)[] = [
      async () => progress('deploying'),
      async () => Promise.reject(new Error('Failed to query Workflow')),
      async () => Promise.reject(new Error('Failed to query Workflow')),
      async () => progress('succeeded'),
    ];
    let asked = 0;
    const handle = {
      result: () => result,
      query: async () => {
        const answer = answers[Math.min(asked, answers.length - 1)]!;
        asked += 1;
        if (asked === answers.length) finish({ phase: 'succeeded', progress: progress('succeeded') });
        return answer();
      },
    } as unknown as WorkflowHandle;
    let written = '';
    const out = { isTTY: false, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;

    const outcome = await followDeployment(handle, { out });

    expect(outcome.phase).toBe('succeeded');
    expect(written.match(/No worker answers right now \(Failed to query Workflow\); the deployment goes on when one is back/g)).toHaveLength(1);
    expect(written).toContain('A worker answers again.');
  }, 30_000);

  it('ends with the workflow\'s failure when it failed before its progress reached a terminal phase', async () => {
    const failure = new Error('Workflow execution failed');
    const result = Promise.reject(failure);
    const handle = { result: () => result, query: async () => progress('planning') } as unknown as WorkflowHandle;
    const out = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    await expect(followDeployment(handle, { out })).rejects.toBe(failure);
  });

  it('keeps following through a restart of the Temporal server: neither the wait for the result nor the queries end it', async () => {
    // What the client throws while the server is down: gRPC UNAVAILABLE, bare from a query, wrapped from the result's wait.
    const unavailable = () => Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    const lostWait = () => Object.assign(new Error('Failed to get Workflow execution history'), { name: 'ServiceError', cause: unavailable() });
    let serverUp = false;
    let waits = 0;
    const handle = {
      result: async () => {
        waits += 1;
        if (!serverUp) throw lostWait();
        return { phase: 'succeeded', progress: progress('succeeded') };
      },
      query: async () => {
        if (!serverUp) throw unavailable();
        return progress('succeeded');
      },
    } as unknown as WorkflowHandle;
    setTimeout(() => (serverUp = true), 3_000);
    let written = '';
    const out = { isTTY: false, write: (text: string) => ((written += text), true) } as unknown as NodeJS.WriteStream;

    const outcome = await followDeployment(handle, { out });

    expect(outcome.phase).toBe('succeeded');
    expect(waits).toBeGreaterThan(1);
    expect(written.match(/Temporal does not answer right now \(14 UNAVAILABLE: No connection established\); the deployment goes on when it is back/g)).toHaveLength(1);
    expect(written).toContain('Temporal answers again.');
  }, 30_000);
});

describe('how often a deployment is asked where it is', () => {
  const progress = (phase: DeploymentProgress['phase']): DeploymentProgress =>
    ({ workflowId: 'deploy/s/production/api', stack: 's', environment: 'production', service: 'api', version: 'v1', kind: 'deploy', requestedBy: 'alice@company.com', phase, startedAt: '2026-12-05T10:00:00Z', waves: [], approval: { required: true, approvers: [] } }) as DeploymentProgress;

  afterEach(() => jest.useRealTimers());

  it('every 0.4 s while it deploys, every 2 s while it waits for an approver or monitors, and at once after the approval was handled here', async () => {
    jest.useFakeTimers();
    let finish: (result: DeployServiceResult) => void = () => undefined;
    const result = new Promise<DeployServiceResult>((resolve) => (finish = resolve));
    let phase: DeploymentProgress['phase'] = 'deploying';
    const askedAt: number[] = [];
    const handle = {
      result: () => result,
      query: async () => {
        askedAt.push(Date.now());
        return progress(phase);
      },
    } as unknown as WorkflowHandle;
    const out = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    const start = Date.now();
    const since = () => askedAt.map((at) => at - start);

    const following = followDeployment(handle, { out, onApprovalNeeded: async () => void (phase = 'deploying') });
    await jest.advanceTimersByTimeAsync(1000);
    expect(since()).toEqual([0, 400, 800]);

    phase = 'monitoring';
    await jest.advanceTimersByTimeAsync(5000);
    expect(since()).toEqual([0, 400, 800, 1200, 3200, 5200]);

    // The requester approves at the prompt: the next question follows at once (a zero timer: 1 ms), finds it deploying, and 0.4 s it is again.
    phase = 'awaiting-approval';
    await jest.advanceTimersByTimeAsync(2000);
    expect(since().slice(6)).toEqual([7200, 7201, 7601]);

    // Its end wakes the loop at once; one more question, and following ends (also were the answer, wrongly, not a terminal phase).
    finish({ phase: 'succeeded', progress: progress('succeeded') });
    await jest.advanceTimersByTimeAsync(0);
    await expect(following).resolves.toMatchObject({ phase: 'succeeded' });
    expect(since().slice(9)).toEqual([8000]);
  });

  it('every 2 s throughout when nothing is drawn (--json), its end at once', async () => {
    jest.useFakeTimers();
    let finish: (result: DeployServiceResult) => void = () => undefined;
    const result = new Promise<DeployServiceResult>((resolve) => (finish = resolve));
    const askedAt: number[] = [];
    const start = Date.now();
    const handle = { result: () => result, query: async () => (askedAt.push(Date.now() - start), progress('deploying')) } as unknown as WorkflowHandle;
    const out = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

    const following = followDeployment(handle, { out, quiet: true });
    await jest.advanceTimersByTimeAsync(5000);
    expect(askedAt).toEqual([0, 2000, 4000]);

    finish({ phase: 'succeeded', progress: progress('succeeded') });
    await jest.advanceTimersByTimeAsync(0);
    await expect(following).resolves.toMatchObject({ phase: 'succeeded' });
    expect(askedAt).toEqual([0, 2000, 4000, 5000]);
  });
});

describe('waiting for a workflow\'s result', () => {
  it('ends with what the server answers: a failed workflow, or a workflow it does not know, at once', async () => {
    const failed = Object.assign(new Error('Workflow execution failed'), { name: 'WorkflowFailedError' });
    const notFound = Object.assign(new Error('workflow not found'), { name: 'ServiceError', cause: Object.assign(new Error('5 NOT_FOUND'), { code: 5 }) });
    for (const answer of [failed, notFound]) {
      let waits = 0;
      const outages: Error[] = [];
      const wait = resultThroughOutages({ result: async () => ((waits += 1), Promise.reject(answer)) }, (error) => outages.push(error), 10);
      await expect(wait).rejects.toBe(answer);
      expect([waits, outages]).toEqual([1, []]);
    }
  });
});
