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
    await expect(followStackDeployment(client, handle, request, (line) => lines.push(line))).resolves.toBe(result);
    expect(lines).toEqual(['orders wave 1 orders/cache: done', 'orders → rolling-back', 'orders wave 1 orders/cache: rolled-back', 'orders → rolled-back']);
  });
});
