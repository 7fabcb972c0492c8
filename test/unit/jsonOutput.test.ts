import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/tcpPorts';
import { runCli } from '../support/cli';

// With --json, stdout is one JSON document a script can parse; what a person reads while it runs
// (warnings, progress) is on stderr. Run as a user runs them (the compiled CLI), where nothing
// listens for Temporal.
describe('--json output', () => {
  const repo = path.resolve(__dirname, '../../examples/deployment-repo');
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-json-'));
    env = { DEPLOYER_HOME: home, DEPLOYER_CONFIG: path.join(home, 'no-config.json'), DEPLOYER_USER: 'alice@company.com', DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('plan: the plan on stdout, the warning that it could not compare with what is deployed on stderr', async () => {
    const plan = await runCli(['plan', '--stack', 'user-platform', '--environment', 'development', '--var', 'VERSION=v1.2.0', '--repo', repo, '--json'], env);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ comparedWithDeployed: false, waves: expect.any(Array) });
    expect(plan.stderr).toContain('Warning: could not compare with what is deployed in development');
  });

  it('validate: the result on stdout only', async () => {
    const validate = await runCli(['validate', '--var', 'VERSION=v1.2.0', '--repo', repo, '--json'], env);
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true });
  });

  it('apply and an invalid --repo: the error as JSON on stdout, with its code and exit code', async () => {
    const apply = await runCli(['apply', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'development', '--var', 'VERSION=v1.2.0', '--repo', repo, '--no-wait', '--json'], env);
    expect({ code: apply.code, error: (JSON.parse(apply.stdout) as { error: { code: string } }).error.code }).toEqual({ code: 1, error: 'TEMPORAL_UNREACHABLE' });
    const missing = path.join(home, 'no-such-repo');
    const badRepo = await runCli(['validate', '--repo', missing, '--json'], env);
    expect({ code: badRepo.code, json: JSON.parse(badRepo.stdout) as unknown }).toEqual({
      code: 2,
      json: { error: { code: 'NO_REPO', message: expect.stringContaining(`--repo ${missing}: no such directory`) } },
    });
  });
});
