import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ecsExecOffReason, findOnPath, SESSION_MANAGER_INSTALL_URL, sessionManagerArguments, sessionManagerPlugin } from '../../src/targets/aws/ecsExec';
import { AwsObserverError } from '../../src/errors';

describe('ECS Exec, opt-in per environment', () => {
  it('where it is off, says which setting turns it on and that the service must be deployed again', () => {
    expect(ecsExecOffReason('production', { ecsExec: { enabled: false } })).toBe(
      "ECS Exec is off in production, so its tasks accept no exec sessions. Turn it on with `ecsExec: { enabled: true }` under spec in environments/production.yaml, then deploy the service again: only tasks started after that accept sessions (each session is logged to the service's log group).",
    );
    expect(ecsExecOffReason('development', { ecsExec: { enabled: true } })).toBeUndefined();
  });
});

describe('the Session Manager plugin', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-exec-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'empty'));
    fs.writeFileSync(path.join(dir, 'bin', 'session-manager-plugin'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'empty', 'session-manager-plugin'), 'not executable', { mode: 0o644 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is found on PATH only where it is executable', () => {
    const searchPath = [path.join(dir, 'empty'), path.join(dir, 'bin')].join(path.delimiter);
    expect(findOnPath('session-manager-plugin', searchPath)).toBe(path.join(dir, 'bin', 'session-manager-plugin'));
    expect(sessionManagerPlugin(searchPath)).toBe(path.join(dir, 'bin', 'session-manager-plugin'));
    expect(findOnPath('session-manager-plugin', path.join(dir, 'empty'))).toBeUndefined();
  });

  it('when missing, fails with how to install it', () => {
    let failure: unknown;
    try {
      sessionManagerPlugin(path.join(dir, 'empty'));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(AwsObserverError);
    expect((failure as AwsObserverError).reason).toBe('missing-tool');
    expect((failure as Error).message).toContain('AWS Session Manager plugin (session-manager-plugin)');
    expect((failure as Error).message).toContain(SESSION_MANAGER_INSTALL_URL);
  });

  it('gets the arguments the AWS CLI gives it: session, region, operation, profile, SSM target, endpoint', () => {
    const session = { sessionId: 'ecs-execute-command-0abc', streamUrl: 'wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/ecs-execute-command-0abc', tokenValue: 'token' };
    expect(sessionManagerArguments({ session, region: 'eu-west-1', profile: 'prod', clusterName: 'platform', taskId: '0123456789abcdef', runtimeId: '0123456789abcdef-265927825', endpoint: 'https://ecs.eu-west-1.amazonaws.com' })).toEqual([
      JSON.stringify(session),
      'eu-west-1',
      'StartSession',
      'prod',
      '{"Target":"ecs:platform_0123456789abcdef_0123456789abcdef-265927825"}',
      'https://ecs.eu-west-1.amazonaws.com',
    ]);
  });
});
