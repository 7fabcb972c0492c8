import type { WorkflowHandle } from '@temporalio/client';
import { followDeployment } from '../../cli/followDeployment';
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
});
