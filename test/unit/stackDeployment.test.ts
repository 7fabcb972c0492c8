import type { Client, WorkflowHandle } from '@temporalio/client';
import { followStackDeployment } from '../../cli/stackDeployment';
import type { DeployRequest } from '../../cli/deployInputs';
import type { DeploymentProgress, DeployStackResult } from '../../src/temporal/deployment';

describe('followStackDeployment', () => {
  const startedAt = new Date().toISOString();
  const progress = (cacheState: string, phase: string) =>
    ({
      startedAt,
      phase,
      waves: [{ index: 1, state: 'done', components: [{ id: 'orders/cache', kind: 'ElastiCacheRedis', action: 'create', state: cacheState }] }],
    }) as unknown as DeploymentProgress;

  it('reports each service\'s last change, made after its previous poll, once the stack\'s deployment ended', async () => {
    const result: DeployStackResult = { phase: 'failed', services: [{ service: 'orders', phase: 'rolled-back' }] };
    let settle!: (value: DeployStackResult) => void;
    const ended = new Promise<DeployStackResult>((resolve) => (settle = resolve));
    // The first poll sees the cache done; the deployment then rolls it back and ends before the next.
    const answers = [progress('done', 'rolling-back'), progress('rolled-back', 'rolled-back')];
    const client = {
      workflow: {
        getHandle: () => ({
          describe: async () => ({ runId: 'r1', startTime: new Date(startedAt), status: { name: 'RUNNING' } }),
          query: async () => {
            const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
            settle(result);
            return answer;
          },
        }),
      },
    } as unknown as Client;
    const handle = { describe: async () => ({ startTime: new Date(Date.parse(startedAt) - 1000) }), result: () => ended } as unknown as WorkflowHandle;
    const request = { desired: { stack: 'shop', environment: { name: 'development' }, services: [{ name: 'orders' }] } } as unknown as DeployRequest;

    const lines: string[] = [];
    await expect(followStackDeployment(client, handle, request, (line) => lines.push(line))).resolves.toMatchObject({ result });
    expect(lines).toEqual(['orders wave 1 orders/cache: done', 'orders → rolling-back', 'orders wave 1 orders/cache: rolled-back', 'orders → rolled-back']);
  });

  it('never queries a service\'s earlier run, and queries a run that ended once: such a query makes the worker replay its history', async () => {
    const result: DeployStackResult = { phase: 'succeeded', services: [{ service: 'users', phase: 'succeeded' }, { service: 'orders', phase: 'succeeded' }] };
    let settle!: (value: DeployStackResult) => void;
    const ended = new Promise<DeployStackResult>((resolve) => (settle = resolve));
    const stackStarted = Date.parse(startedAt);
    // users ran in this deployment and has ended; orders' id still names a run from before it, until the last pass.
    const runs: Record<string, { runId: string; startTime: Date; status: { name: string } }> = {
      'deploy/shop/development/users': { runId: 'users-now', startTime: new Date(stackStarted + 1000), status: { name: 'COMPLETED' } },
      'deploy/shop/development/orders': { runId: 'orders-before', startTime: new Date(stackStarted - 60_000), status: { name: 'COMPLETED' } },
    };
    // After a few passes orders starts, and the stack's deployment ends.
    setTimeout(() => {
      runs['deploy/shop/development/orders'] = { runId: 'orders-now', startTime: new Date(stackStarted + 2000), status: { name: 'RUNNING' } };
      settle(result);
    }, 1200);
    const queried: string[] = [];
    const client = {
      workflow: {
        getHandle: (workflowId: string, runId?: string) => ({
          describe: async () => runs[workflowId],
          query: async () => {
            queried.push(runId!);
            return progress('done', runId === 'users-now' ? 'succeeded' : 'deploying');
          },
        }),
      },
    } as unknown as Client;
    const handle = { describe: async () => ({ startTime: new Date(stackStarted) }), result: () => ended } as unknown as WorkflowHandle;
    const request = { desired: { stack: 'shop', environment: { name: 'development' }, services: [{ name: 'users' }, { name: 'orders' }] } } as unknown as DeployRequest;

    const lines: string[] = [];
    await expect(followStackDeployment(client, handle, request, (line) => lines.push(line))).resolves.toMatchObject({ result });
    // users' ended run once; orders' run of this deployment on the pass after it started; its earlier run never.
    expect(queried).toEqual(['users-now', 'orders-now']);
    expect(lines).toEqual(['users wave 1 orders/cache: done', 'users → succeeded', 'orders wave 1 orders/cache: done', 'orders → deploying']);
  });

  it('asks every 0.5 s while it prints progress, every 2 s when nothing is printed (--json)', async () => {
    jest.useFakeTimers();
    try {
      const askedEvery = async (log?: (line: string) => void) => {
        let settle!: (value: DeployStackResult) => void;
        const ended = new Promise<DeployStackResult>((resolve) => (settle = resolve));
        const askedAt: number[] = [];
        const start = Date.now();
        const client = {
          workflow: {
            getHandle: () => ({
              describe: async () => ({ runId: 'now', startTime: new Date(start + 1), status: { name: 'RUNNING' } }),
              query: async () => (askedAt.push(Date.now() - start), progress('running', 'deploying')),
            }),
          },
        } as unknown as Client;
        const handle = { describe: async () => ({ startTime: new Date(start) }), result: () => ended } as unknown as WorkflowHandle;
        const request = { desired: { stack: 'shop', environment: { name: 'development' }, services: [{ name: 'orders' }] } } as unknown as DeployRequest;
        const following = followStackDeployment(client, handle, request, log);
        await jest.advanceTimersByTimeAsync(4100);
        settle({ phase: 'succeeded', services: [{ service: 'orders', phase: 'succeeded' }] });
        await following;
        return askedAt.slice(0, -1);
      };
      expect(await askedEvery(() => undefined)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000, 3500, 4000]);
      expect(await askedEvery()).toEqual([0, 2000, 4000]);
    } finally {
      jest.useRealTimers();
    }
  });
});
