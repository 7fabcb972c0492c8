import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { installRoot, stateDir } from '../../src/paths';
import { LocalObserver } from '../../src/targets/local/localObserver';
import { workerPorts } from '../../worker/ports';
import { CliResult, runCli } from '../support/cli';
import { detachFromUserService } from '../support/exampleRepo';
import { ReviewedRepo } from '../support/reviewedRepo';
import { testClient, testWorker } from '../support/temporal';

// Secrets deployed to the local target never show where people and systems read: no command's
// output (text or --json), no release log line, no Pulumi checkpoint in clear, no workflow history.
// The example repo is copied with an environment of its own (`secrets`), and its api gets a
// secretFrom variable whose value is a unique marker; the other secret is the password the runtime
// generated for the RDS database. Assertions name where a secret leaked, never the secret itself.
describe('secrets stay out of outputs, the release log, checkpoints and workflow history', () => {
  const environment = 'secrets';
  const service = 'notification-service';
  const database = { stack: 'user-platform', environment, service, component: 'database' };
  const secretName = `DEPLOYER_E2E_SECRET_${crypto.randomBytes(4).toString('hex').toUpperCase()}`;
  const marker = `e2e-marker-${crypto.randomBytes(12).toString('hex')}`;
  const taskQueue = `secrets-${crypto.randomUUID()}`;
  let reviewed: ReviewedRepo;
  let repo: string;
  let client: Awaited<ReturnType<typeof testClient>>;
  let worker: Awaited<ReturnType<typeof testWorker>>;
  const cli = (...args: string[]) => runCli(args, { DEPLOYER_HOME: stateDir(), DEPLOYER_USER: 'alice@company.com', DEPLOYER_TASK_QUEUE: taskQueue, DEPLOYER_CONFIG: path.join(repo, 'no-config.json'), DEPLOYER_TEMPORAL_UI: '' }, repo);

  beforeAll(async () => {
    reviewed = ReviewedRepo.adopt(copyExampleRepo(environment, secretName));
    repo = reviewed.root;
    // On the local target, secretFrom reads an environment variable of the worker: this process's.
    process.env[secretName] = marker;
    client = await testClient();
    worker = await testWorker(taskQueue, workerPorts(stateDir()));
  });

  afterAll(async () => {
    await worker.stop();
    await client.close();
    delete process.env[secretName];
    reviewed.remove();
  });

  it('no command prints them, and nothing deployer stores or sends through Temporal holds them in clear', async () => {
    const applied = await cli('apply', '--service', service, '--environment', environment, '--var', 'VERSION=v1.2.0', '--json');
    expect({ code: applied.code, stderr: applied.stderr }).toMatchObject({ code: 0 });
    const password = (await new LocalObserver().state(database))!.outputs.password!;
    expect(password.length).toBeGreaterThan(8);
    // The marker did reach the service (compared by digest, so it is not printed).
    const delivered = await cli('exec', '--component', `${service}/api`, '--environment', environment, '--command', 'printf %s "$SMTP_TOKEN" | sha256sum');
    expect(delivered.stdout.split(' ')[0]).toBe(crypto.createHash('sha256').update(marker).digest('hex'));

    const api = ['--component', `${service}/api`, '--environment', environment];
    const db = ['--component', `${service}/database`, '--environment', environment];
    const commands: Record<string, string[]> = {
      status: ['status', '--service', service, '--environment', environment],
      'status --json': ['status', '--service', service, '--environment', environment, '--json'],
      'status --stack --json': ['status', '--stack', 'user-platform', '--environment', environment, '--json'],
      'show api': ['show', ...api],
      'show api --json': ['show', ...api, '--show-events', '--json'],
      'show database': ['show', ...db, '--show-events'],
      'show database --json': ['show', ...db, '--show-events', '--json'],
      'health api --json': ['health', ...api, '--json'],
      'health database --json': ['health', ...db, '--json'],
      'metrics api --json': ['metrics', ...api, '--json'],
      'logs api --json': ['logs', ...api, '--json'],
      'logs database --json': ['logs', ...db, '--json'],
      history: ['history', '--service', service, '--environment', environment],
      'history --json': ['history', '--service', service, '--environment', environment, '--json'],
      'plan --json': ['plan', '--stack', 'user-platform', '--service', service, '--environment', environment, '--var', 'VERSION=v1.3.0', '--json'],
      'validate --json': ['validate', '--environment', environment, '--var', 'VERSION=v1.2.0', '--json'],
      'drift detect --json': ['drift', 'detect', '--service', service, '--environment', environment, '--json'],
    };
    const outputs: Record<string, string> = { 'apply --json': output(applied) };
    for (const [label, args] of Object.entries(commands)) {
      const result = await cli(...args);
      // drift detect exits 5 when it finds drift; every other command succeeds.
      expect([label, result.code === 0 || (label.startsWith('drift') && result.code === 5)]).toEqual([label, true]);
      outputs[label] = output(result);
    }

    const home = stateDir();
    const stored = {
      ...filesUnder(path.join(home, 'releases', 'user-platform', environment)),
      ...filesUnder(path.join(home, 'drift', 'user-platform', environment)),
      ...filesUnder(path.join(home, 'pulumi', 'state')),
    };
    expect(Object.keys(stored).some((file) => file.includes(`releases/user-platform/${environment}/${service}.jsonl`))).toBe(true);
    const histories = await workflowHistories(client.client, `/user-platform/${environment}/`);
    expect(Object.keys(histories).length).toBeGreaterThanOrEqual(2); // the deployment and the drift check

    const secrets = { 'the secretFrom value': marker, 'the RDS password': password };
    expect(leaks(secrets, { ...outputs, ...stored, ...histories })).toEqual([]);
    // Compared, not shown: a failure must not print the password.
    const shownPassword = JSON.parse(outputs['status --json']!).services[0].components.find((row: { name: string }) => row.name === 'database').state.outputs.password;
    expect({ 'status --json shows the password as (secret)': shownPassword === '(secret)' }).toEqual({ 'status --json shows the password as (secret)': true });

    // The state that must hold them is the owner's alone.
    const mode = (file: string) => (fs.statSync(path.join(home, file)).mode & 0o777).toString(8);
    expect([mode('releases'), mode('pulumi'), mode('drift')]).toEqual(['700', '700', '700']);
    // As root, PostgreSQL runs as another user, which must pass through the runtime's directory.
    expect(mode('local')).toBe(process.getuid?.() === 0 ? '711' : '700');
    expect(mode(`local/components/user-platform.${environment}.${service}.database/record.json`)).toBe('600');
    expect(mode(`local/components/user-platform.${environment}.${service}.api/logs.jsonl`)).toBe('600');
  }, 420_000);
});

function output(result: CliResult): string {
  return `${result.stdout}\n${result.stderr}`;
}

/** Where each secret shows up: `<secret> in <place>`, never the secret's value. */
function leaks(secrets: Record<string, string>, places: Record<string, string>): string[] {
  return Object.entries(places).flatMap(([place, text]) => Object.entries(secrets).flatMap(([name, value]) => (text.includes(value) ? [`${name} in ${place}`] : [])));
}

function filesUnder(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(
    fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((entry) => path.join(dir, entry))
      .filter((file) => fs.statSync(file).isFile())
      .map((file) => [file, fs.readFileSync(file, 'utf8')]),
  );
}

/** The history of every workflow whose id names this stack and environment, payloads decoded to text. */
async function workflowHistories(client: Client, idPart: string): Promise<Record<string, string>> {
  const histories: Record<string, string> = {};
  for await (const execution of client.workflow.list()) {
    if (!execution.workflowId.includes(idPart)) continue;
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    // Payloads are bytes (JSON inside): read them as text, as `temporal workflow show` would print them.
    histories[`history of ${execution.workflowId}`] = JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key];
      return raw instanceof Uint8Array ? Buffer.from(raw).toString('utf8') : value;
    });
  }
  return histories;
}

/**
 * The example repo with an environment of its own (development's, with short rollout windows) and
 * api reading `secretName` through secretFrom; notification-service deploys without user-service.
 */
function copyExampleRepo(environment: string, secretName: string): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-secrets-e2e-'));
  fs.cpSync(path.join(installRoot, 'examples', 'deployment-repo'), repo, { recursive: true });
  const app = path.join(installRoot, 'examples', 'apps', 'notification-api');
  const development = fs.readFileSync(path.join(repo, 'environments', 'development.yaml'), 'utf8');
  fs.writeFileSync(
    path.join(repo, 'environments', `${environment}.yaml`),
    development
      .replace('name: development\n', `name: ${environment}\n`)
      .replace('healthTimeout: 2m', 'healthTimeout: 40s')
      .replace('monitorWindow: 30s', 'monitorWindow: 2s')
      .replace('checkInterval: 5s', 'checkInterval: 1s')
      .replaceAll('workingDir: ../../apps/notification-api', `workingDir: ${app}`),
  );
  detachFromUserService(repo);
  const microservice = path.join(repo, 'stacks/user-platform/services/notification-service/components/api/microservice.yaml');
  const text = fs.readFileSync(microservice, 'utf8');
  fs.writeFileSync(microservice, text.replace('    - name: LOG_LEVEL\n', `    - name: SMTP_TOKEN\n      secretFrom:\n        secret: ${secretName}\n    - name: LOG_LEVEL\n`));
  return repo;
}
