import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/tcpPorts';
import { runCli } from '../support/cli';

// validate, plan and schema as a user runs them, from inside the example deployment repo.
const example = path.resolve(__dirname, '../../examples/deployment-repo');

describe('deployer validate / plan / schema', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-model-e2e-'));
    // No Temporal: these commands work on the repo alone (plan then says it could not compare with what is deployed).
    env = { DEPLOYER_HOME: home, DEPLOYER_TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}` };
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('validates the example repo (exit 0) and reports every problem of a broken one (exit 1)', async () => {
    const ok = await runCli(['validate', '--var', 'VERSION=v1.2.0'], env, example);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('✓ Deployment repo is valid');

    const broken = fs.mkdtempSync(path.join(home, 'repo-'));
    fs.cpSync(example, broken, { recursive: true });
    const infra = path.join(broken, 'stacks/user-platform/services/notification-service/components/api/infra.yaml');
    fs.writeFileSync(infra, fs.readFileSync(infra, 'utf8').replace('    replicas: 2\n', '    replica: 2\n'));
    const bad = await runCli(['validate', '--var', 'VERSION=v1.2.0', '--json'], env, broken);
    expect(bad.code).toBe(1);
    const result = JSON.parse(bad.stdout);
    expect(result.valid).toBe(false);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ file: 'stacks/user-platform/services/notification-service/components/api/infra.yaml', line: 13, col: 5, message: 'unknown field "replica"', hint: 'Did you mean "replicas"?' }),
    ]);
  });

  it('warns about a secret written in plain text, at file:line:col with secretFrom, without failing (exit 0); plan warns on stderr', async () => {
    const repo = fs.mkdtempSync(path.join(home, 'repo-'));
    fs.cpSync(example, repo, { recursive: true });
    const api = 'stacks/user-platform/services/notification-service/components/api/microservice.yaml';
    const file = path.join(repo, api);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    - name: LOG_LEVEL\n', '    - name: API_TOKEN\n      value: tok-123\n    - name: LOG_LEVEL\n'));
    const text = await runCli(['validate', '--var', 'VERSION=v1.2.0'], env, repo);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('✓ Deployment repo is valid');
    expect(text.stdout).toContain(`⚠ 1 warning:\n\n${api}:23:14 (spec.environment[0].value): warning: API_TOKEN looks like a secret written as a literal value`);
    expect(text.stdout).toContain('→ Keep the value in a secret store and give it to the service with secretFrom: { secret: NAME }');
    const json = await runCli(['validate', '--var', 'VERSION=v1.2.0', '--json'], env, repo);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: true, diagnostics: [], warnings: [{ file: api, line: 23, col: 14, severity: 'warning' }] });
    const plan = await runCli(['plan', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'production', '--var', 'VERSION=v1.2.0', '--json'], env, repo);
    // Exit 1: with nothing known to be deployed, user-service, which the api reads, is not (the plan says so).
    expect(plan.code).toBe(1);
    expect(JSON.parse(plan.stdout)).toMatchObject({ waves: [expect.anything(), expect.anything()], comparedWithDeployed: false });
    expect(plan.stderr).toContain('Warning: could not compare with what is deployed in production: cannot reach Temporal at');
    expect(plan.stderr).toContain(`${api}:23:14 (spec.environment[0].value): warning: API_TOKEN looks like a secret`);
  });

  it('renders the plan and cost boxes, and the same plan as JSON; says why it cannot be applied yet (exit 1)', async () => {
    const args = ['plan', '--stack', 'user-platform', '--service', 'notification-service', '--environment', 'production', '--var', 'VERSION=v1.2.0'];
    const human = await runCli(args, env, example);
    // Nothing is known to be deployed without Temporal: notification-service reads user-service's url.
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('This plan is of the repo alone: every component shows as CREATE, and other services as not deployed.');
    expect(human.stdout).toContain('✗ This plan cannot be applied as it stands:\n  - notification-service/api: USER_SERVICE_URL reads user-service/api, which is not deployed in production.');
    expect(human.stdout).toContain('│ Deployment Plan: notification-service (production)');
    expect(human.stdout).toContain('│   + api (MicroService)             CREATE');
    expect(human.stdout).toContain('│ Cost Impact Analysis');
    const json = JSON.parse((await runCli([...args, '--json'], env, example)).stdout);
    // The whole document on a failure: an error printed instead of a plan says why.
    expect(json).toMatchObject({ blockers: [expect.stringContaining('USER_SERVICE_URL reads user-service/api')] });
    expect(json.waves.map((wave: { changes: { id: string }[] }) => wave.changes.map((change) => change.id))).toEqual([
      ['notification-service/cache', 'notification-service/database', 'notification-service/queue'],
      ['notification-service/api'],
    ]);
  });

  it('fails with a usage error for a malformed --var and for an unknown environment, stack or service, listing the candidates', async () => {
    const usage = await runCli(['plan', '--stack', 'user-platform', '--environment', 'production', '--var', 'VERSION'], env, example);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--var "VERSION" is not KEY=VALUE');
    const unknown = await runCli(['plan', '--stack', 'user-platform', '--environment', 'prod', '--var', 'VERSION=v1'], env, example);
    expect({ code: unknown.code, stderr: unknown.stderr.trim() }).toEqual({
      code: 2,
      stderr: 'Error: unknown environment "prod". Did you mean "production"? Environments in this repo: development, production, staging.',
    });
    const stack = await runCli(['plan', '--stack', 'user-platfrom', '--environment', 'production', '--var', 'VERSION=v1'], env, example);
    expect({ code: stack.code, stderr: stack.stderr.trim() }).toEqual({ code: 2, stderr: 'Error: unknown stack "user-platfrom". Did you mean "user-platform"? Stacks in this repo: user-platform.' });
    const service = await runCli(['plan', '--stack', 'user-platform', '--service', 'user-servce', '--environment', 'production', '--var', 'VERSION=v1', '--json'], env, example);
    expect({ code: service.code, json: JSON.parse(service.stdout) }).toEqual({
      code: 2,
      json: { error: { code: 'UNKNOWN_SERVICE', message: 'stack user-platform has no service "user-servce". Did you mean "user-service"? Its services: notification-service, user-service.' } },
    });
    const replace = await runCli(['plan', '--stack', 'user-platform', '--environment', 'production', '--var', 'VERSION=v1', '--allow-replace', 'notification-service/databse'], env, example);
    expect({ code: replace.code, stderr: replace.stderr.trim() }).toEqual({
      code: 2,
      stderr:
        'Error: --allow-replace notification-service/databse: no RDS, ElastiCacheRedis or SQS component of that name in this deployment. Did you mean "notification-service/database"? Its data components: notification-service/cache, notification-service/database, notification-service/queue, user-service/database.',
    });
    const validate = await runCli(['validate', '--environment', 'stagin', '--var', 'VERSION=v1'], env, example);
    expect({ code: validate.code, stderr: validate.stderr.trim() }).toEqual({ code: 2, stderr: 'Error: unknown environment "stagin". Did you mean "staging"? Environments in this repo: development, production, staging.' });

    // A value with a terminal escape would reach everyone's terminal through the release records.
    const escape = await runCli(['plan', '--stack', 'user-platform', '--environment', 'production', '--var', 'VERSION=v1.2.0\x1b[2J'], env, example);
    expect({ code: escape.code, stderr: escape.stderr.trim() }).toEqual({
      code: 2,
      stderr: 'Error: --var VERSION: its value "v1.2.0\\x1b[2J" contains a control character (such as a newline or a terminal escape); values must be plain text',
    });
  });

  it('prints every error under --json as {"error": {code, message}}, a bad flag included (exit 2)', async () => {
    const bogus = await runCli(['plan', '--stack', 'user-platform', '--environment', 'production', '--bogus', '--json'], env, example);
    expect({ code: bogus.code, json: JSON.parse(bogus.stdout) }).toEqual({ code: 2, json: { error: { code: 'USAGE', message: 'Nonexistent flag: --bogus\nSee more help with --help' } } });
  });

  it('writes a JSON Schema per kind, and maps them to their files in a new repo\'s .vscode/settings.json', async () => {
    const repo = fs.mkdtempSync(path.join(home, 'new-repo-'));
    const result = await runCli(['schema', '--out', 'schemas'], env, repo);
    expect(result.code).toBe(0);
    const kinds = ['ElastiCacheRedis', 'Environment', 'MicroService', 'MicroService-infra', 'RDS', 'Repository', 'SQS', 'Service'];
    expect(fs.readdirSync(path.join(repo, 'schemas')).sort()).toEqual(kinds.map((kind) => `${kind}.schema.json`).sort());
    const micro = JSON.parse(fs.readFileSync(path.join(repo, 'schemas', 'MicroService.schema.json'), 'utf8'));
    expect(micro.properties.spec.properties.scaling.properties.replicas.description).toMatch(/replicas/);
    const settings = JSON.parse(fs.readFileSync(path.join(repo, '.vscode', 'settings.json'), 'utf8'));
    expect(settings['yaml.schemas']['./schemas/MicroService.schema.json']).toEqual(['**/stacks/*/services/*/components/*/microservice.yaml']);
  });
});
