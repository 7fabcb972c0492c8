import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '@oclif/core';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import Status from '../../cli/commands/status';
import { runningDeployment } from '../../cli/serviceStatus';
import { connectTemporal } from '../../cli/temporalClient';
import { installRoot } from '../../src/paths';
import { isRunning } from '../../src/temporal/deployClient';
import { DeployerError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

jest.mock('../../cli/temporalClient', () => ({ connectTemporal: jest.fn() }));

// As @grpc/grpc-js makes it: isGrpcServiceError looks for details and metadata.
const unreachable = () =>
  Object.assign(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233'), {
    code: 14,
    details: 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233',
    metadata: {},
  });

/** A client whose describe of any workflow answers with `describe`, and whose workflows (the release log read) fail as Temporal gone. */
function fakeClient(describe: () => Promise<unknown>): Client {
  return { workflow: { getHandle: () => ({ describe }), execute: async () => Promise.reject(unreachable()) } } as unknown as Client;
}

describe('isRunning', () => {
  it('is true for a running workflow, false for a finished or unknown one', async () => {
    expect(await isRunning(fakeClient(async () => ({ status: { name: 'RUNNING' } })), 'deploy/x')).toBe(true);
    expect(await isRunning(fakeClient(async () => ({ status: { name: 'COMPLETED' } })), 'deploy/x')).toBe(false);
    expect(await isRunning(fakeClient(async () => Promise.reject(new WorkflowNotFoundError('not found', 'deploy/x', undefined))), 'deploy/x')).toBe(false);
  });

  it('throws when Temporal does not answer, rather than reading it as "not running"', async () => {
    await expect(isRunning(fakeClient(async () => Promise.reject(unreachable())), 'deploy/x')).rejects.toThrow('14 UNAVAILABLE');
  });
});

describe('status when Temporal stops answering', () => {
  const settings = { address: '127.0.0.1:7233', namespace: 'default' };

  it('runningDeployment reports Temporal unreachable (exit 1), naming the address and the cause', async () => {
    const failure = await runningDeployment({ client: fakeClient(async () => Promise.reject(unreachable())), settings }, 'user-platform', 'production', 'notification-service').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DeployerError);
    expect(exitCodeOf(failure)).toBe(EXIT.failure);
    expect(failure).toMatchObject({
      code: 'TEMPORAL_UNREACHABLE',
      message:
        'Temporal at 127.0.0.1:7233 did not say whether notification-service is being deployed to production (14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233). Check that it runs: `deployer dev status` for the local one.',
    });
  });

  it('`deployer status` warns what it could not check, goes on to the target, and closes its connection', async () => {
    const close = jest.fn(async () => undefined);
    jest.mocked(connectTemporal).mockResolvedValue({ client: fakeClient(async () => Promise.reject(unreachable())), settings, close });
    const printed: string[] = [];
    const stderr = jest.spyOn(console, 'error').mockImplementation((text: unknown) => void printed.push(String(text)));
    const repo = path.join(installRoot, 'examples', 'deployment-repo');
    // A state dir of its own: no local runtime answers there, whatever else runs on this machine.
    const home = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'status-no-runtime-'));
    try {
      const config = await Config.load(installRoot);
      // No local runtime runs in a unit test: the target's answer is the error that ends it.
      const ended = await Status.run(['--service', 'notification-service', '--environment', 'production', '--repo', repo], config).catch((error: unknown) => error);
      expect((ended as { oclif?: { exit?: number } }).oclif?.exit).toBe(EXIT.failure);
    } finally {
      stderr.mockRestore();
      fs.rmSync(process.env.DEPLOYER_HOME!, { recursive: true, force: true });
      if (home === undefined) delete process.env.DEPLOYER_HOME;
      else process.env.DEPLOYER_HOME = home;
    }
    const text = printed.join('\n').replace(/\s*›\s*/g, ' ').replace(/·/g, '');
    expect(text).toMatch(/Warning: Temporal at 127\.0\.0\.1:7233 did not say whether notification-service is being deployed to production \(14 UNAVAILABLE/);
    expect(text).toContain("Warning: cannot reach Temporal at 127.0.0.1:7233 (No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233). Start the local one with `deployer dev start`");
    expect(text).toContain("Showing the repo's components, without the last deployment.");
    expect(text).toContain('Error: the local runtime is not running');
    expect(close).toHaveBeenCalledTimes(1);
  });
});
