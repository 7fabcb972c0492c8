import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startStackDeployment } from '../../cli/stackDeployment';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { startServiceDeployment } from '../../src/temporal/deployClient';
import { DeployerError, PayloadTooLargeError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

// A --var of 3 MB made apply fail with only "Failed to start Workflow" (Temporal refuses payloads
// over 2 MB by default); the input is measured before anything starts.

const root = path.resolve(__dirname, '../../examples/deployment-repo');

function desired(variables: Record<string, string>) {
  return loadDesiredStack({ root, stack: 'user-platform', environment: 'development', variables: { VERSION: 'v1.2.0', ...variables } });
}

function fakeClient() {
  const start = jest.fn(async () => ({ workflowId: 'started' }));
  return { client: { workflow: { start } } as unknown as Client, start };
}

const BIG = 'x'.repeat(3 * 1024 * 1024);

describe('the workflow input size check', () => {
  it('refuses a service deployment over the limit, naming the largest variable, before starting anything', async () => {
    const { client, start } = fakeClient();
    const input = { desired: desired({ RELEASE_NOTES: BIG, TEAM: 'shop' }), service: 'notification-service', requestedBy: 'alice@company.com', version: 'v1.2.0', kind: 'deploy' as const };
    const attempt = startServiceDeployment(client, input);
    await expect(attempt).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(attempt).rejects.toThrow(/^the deployment's input is 3\.0 MB, over Temporal's default limit of 2\.0 MB per payload: the largest variable is RELEASE_NOTES \(3\.0 MB\); the largest component is \S+ \(\d+ KB, its config files included\)\. Keep --var values small/);
    expect(start).not.toHaveBeenCalled();
  });

  it('refuses a stack deployment over the limit as a usage error (exit 2)', async () => {
    const { client, start } = fakeClient();
    const attempt = startStackDeployment(client, { root, desired: desired({ RELEASE_NOTES: BIG }), requestedBy: 'alice@company.com', version: 'v1.2.0', warnings: [] });
    await expect(attempt).rejects.toBeInstanceOf(DeployerError);
    await expect(attempt).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('the largest variable is RELEASE_NOTES (3.0 MB)') });
    expect(exitCodeOf(await attempt.catch((error: unknown) => error))).toBe(EXIT.usage);
    expect(start).not.toHaveBeenCalled();
  });

  it('starts an input under the limit', async () => {
    const { client, start } = fakeClient();
    await startServiceDeployment(client, { desired: desired({ NOTE: 'x'.repeat(100_000) }), service: 'notification-service', requestedBy: 'alice@company.com', version: 'v1.2.0', kind: 'deploy' });
    expect(start).toHaveBeenCalledTimes(1);
  });
});
