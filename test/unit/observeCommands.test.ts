import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { applyNextStep } from '../../src/client/applyCommand';
import { checkExecRequest } from '../../cli/exec';
import {
  deployedState,
  loadServiceTests,
  observedState,
  observeFailure,
  observerFor,
  parseSince,
  readAutoscaling,
  resolveComponentTarget,
  resolveServiceTarget,
} from '../../cli/observe';
import { locateService } from '../../src/client/locate';
import { testsFailure, testWorkflowId } from '../../cli/serviceTests';
import { loadEnvironment } from '../../src/model/loadRepo';
import { AwsObserver } from '../../src/targets/aws/awsObserver';
import type { ComponentState, Observer } from '../../src/targets/observer';
import { AwsObserverError, DeployerError, ModelValidationError, rootCause, RuntimeRequestFailed, RuntimeUnavailableError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

// What logs / metrics / health / show / exec / test / history share: --since, finding the
// component or service in the deployment repo, the observer per target, and errors that say what to do.
const exampleRepo = path.resolve(__dirname, '../../examples/deployment-repo');
const api = { stack: 'user-platform', environment: 'staging', service: 'notification-service', component: 'api' };

function errorOf(action: () => unknown): DeployerError {
  try {
    action();
  } catch (error) {
    return error as DeployerError;
  }
  throw new Error('expected an error');
}

const expectError = (error: unknown, code: string, exitCode: number, message: string | RegExp) => {
  expect(error).toBeInstanceOf(DeployerError);
  const { code: actualCode, message: actualMessage } = error as DeployerError;
  const actualExit = exitCodeOf(error);
  expect({ code: actualCode, exitCode: actualExit }).toEqual({ code, exitCode });
  if (typeof message === 'string') expect(actualMessage).toBe(message);
  else expect(actualMessage).toMatch(message);
};

describe('--since', () => {
  const now = new Date('2026-01-15T14:30:00.000Z');

  it('takes durations back from now, with a label for titles', () => {
    expect(parseSince('30m', now)).toEqual({ since: new Date('2026-01-15T14:00:00.000Z'), label: 'last 30 minutes' });
    expect(parseSince('1h', now)).toEqual({ since: new Date('2026-01-15T13:30:00.000Z'), label: 'last 1 hour' });
    expect(parseSince('24h', now)).toEqual({ since: new Date('2026-01-14T14:30:00.000Z'), label: 'last 24 hours' });
    expect(parseSince('90s', now)).toEqual({ since: new Date('2026-01-15T14:28:30.000Z'), label: 'last 90 seconds' });
    expect(parseSince('7d', now)).toEqual({ since: new Date('2026-01-08T14:30:00.000Z'), label: 'last 7 days' });
  });

  it('takes ISO 8601 timestamps, offsets included', () => {
    expect(parseSince('2026-01-15T14:30:00Z', now)).toEqual({ since: new Date('2026-01-15T14:30:00.000Z'), label: 'since 2026-01-15T14:30:00Z' });
    expect(parseSince('2026-01-15T15:30:00+01:00', now).since.toISOString()).toBe('2026-01-15T14:30:00.000Z');
    expect(parseSince('2026-01-15T14:30:00.250Z', now).since.toISOString()).toBe('2026-01-15T14:30:00.250Z');
    expect(parseSince('2026-01-15', now).since.toISOString()).toBe('2026-01-15T00:00:00.000Z');
  });

  it('refuses anything else as a usage error (exit 2) that shows the accepted forms', () => {
    for (const bad of ['yesterday', '1', '1w', '30 m', '-5m', '1h30m', 'May 1', '2026-13-45T99:00:00Z', '']) {
      expectError(errorOf(() => parseSince(bad, now)), 'BAD_SINCE', EXIT.usage, /Use a duration back from now \(30m, 1h, 24h, 7d\) or an ISO 8601 timestamp \(2026-01-15T14:30:00Z\)\.$/);
    }
    expectError(errorOf(() => parseSince('0m', now)), 'BAD_SINCE', EXIT.usage, /^--since "0m" is not valid: a duration must be more than 0\./);
    expect(errorOf(() => parseSince('yesterday', now)).message).toBe(
      '--since "yesterday" is not a duration or a timestamp. Use a duration back from now (30m, 1h, 24h, 7d) or an ISO 8601 timestamp (2026-01-15T14:30:00Z).',
    );
  });
});

describe('finding the component or service', () => {
  it('finds the stack of a service and the component\'s kind in the example repo', () => {
    const target = resolveComponentTarget({ root: exampleRepo, component: 'notification-service/api', environment: 'staging' });
    expect(target.ref).toEqual({ ...api, kind: 'MicroService' });
    expect(target.kind).toBe('MicroService');
    expect(target.environment.rollback).toEqual({ automatic: true, errorRatePercent: 5, p99LatencyMs: 2000 });
    expect(resolveComponentTarget({ root: exampleRepo, component: 'notification-service/database', environment: 'production', stack: 'user-platform' }).kind).toBe('RDS');
    expect(resolveServiceTarget({ root: exampleRepo, service: 'user-service', environment: 'development' })).toMatchObject({ stack: 'user-platform', service: 'user-service', environmentName: 'development' });
  });

  it('refuses unknown names with usage errors that name the candidates', () => {
    expectError(errorOf(() => resolveComponentTarget({ root: exampleRepo, component: 'notification-service', environment: 'staging' })), 'BAD_COMPONENT', EXIT.usage, '--component "notification-service" is not <service>/<component> (e.g. notification-service/api)');
    expectError(
      errorOf(() => resolveComponentTarget({ root: exampleRepo, component: 'notification-service/apl', environment: 'staging' })),
      'UNKNOWN_COMPONENT',
      EXIT.usage,
      'service notification-service (stack user-platform) has no component "apl". Did you mean "api"? Its components: api, cache, database, queue.',
    );
    expectError(
      errorOf(() => resolveComponentTarget({ root: exampleRepo, component: 'notification-service/api', environment: 'prod' })),
      'UNKNOWN_ENVIRONMENT',
      EXIT.usage,
      'unknown environment "prod". Did you mean "production"? Environments in this repo: development, production, staging.',
    );
    expectError(errorOf(() => resolveServiceTarget({ root: exampleRepo, service: 'notifications', environment: 'staging' })), 'UNKNOWN_SERVICE', EXIT.usage, /^no stack has a service "notifications"\./);
    expectError(errorOf(() => resolveServiceTarget({ root: exampleRepo, service: 'Bad Name', environment: 'staging' })), 'BAD_SERVICE', EXIT.usage, /is not a service name/);
  });

  it('locates a service by names alone, as history does, with the same refusals', () => {
    expect(locateService(exampleRepo, { service: 'user-service', environment: 'development' })).toEqual({ stack: 'user-platform', service: 'user-service', environment: 'development' });
    expectError(
      errorOf(() => locateService(exampleRepo, { service: 'user-service', environment: 'prod' })),
      'UNKNOWN_ENVIRONMENT',
      EXIT.usage,
      'unknown environment "prod". Did you mean "production"? Environments in this repo: development, production, staging.',
    );
    expectError(errorOf(() => locateService(exampleRepo, { service: 'user-service', environment: 'staging', stack: 'platform' })), 'UNKNOWN_STACK', EXIT.usage, /^unknown stack "platform"/);
    expectError(errorOf(() => locateService(exampleRepo, { service: 'Bad Name', environment: 'staging' })), 'BAD_SERVICE', EXIT.usage, /is not a service name/);
  });

  it('keeps what history loads before it reads free of the repo model and the Temporal client', () => {
    // Start-up is most of history's time: the schemas (zod) and the Temporal client cost hundreds of
    // milliseconds to load, and history needs neither to name the service it reads.
    const modules = ['cli/commands/history', 'src/client/locate', 'cli/releaseReads', 'src/client/releases', 'cli/render/history'];
    const probe = `for (const m of ${JSON.stringify(modules)}) require(require('node:path').resolve('dist', m));
      console.log(JSON.stringify(Object.keys(require.cache)));`;
    const loaded: string[] = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8' }));
    expect(loaded.filter((file) => /[\\/](zod|@temporalio)[\\/]|[\\/]model[\\/](schema|loadRepo|componentLoader)\.js$/.test(file))).toEqual([]);
  });
});

describe('what the repo says', () => {
  it('reads autoscaling for the environment without --var, overrides applied', () => {
    expect(readAutoscaling(exampleRepo, { ...api, environment: 'development' })).toEqual({ minReplicas: 2, maxReplicas: 10, targetCPU: 70 });
    expect(readAutoscaling(exampleRepo, { ...api, environment: 'production' })).toEqual({ minReplicas: 5, maxReplicas: 20, targetCPU: 70 });
    expect(readAutoscaling(exampleRepo, { ...api, service: 'user-service' })).toBeUndefined(); // declares none
    expect(readAutoscaling(exampleRepo, { ...api, component: 'database' })).toBeUndefined();
    expect(readAutoscaling(exampleRepo, { ...api, component: 'gone' })).toBeUndefined();
  });

  it('reads a service\'s tests from service.yaml alone, and reports a broken one like validate', () => {
    expect(loadServiceTests(exampleRepo, 'user-platform', 'notification-service')).toEqual([
      { name: 'health', http: { component: 'api', path: '/health', method: 'GET', expectStatus: 200 }, timeoutSeconds: 30 },
      { name: 'list-notifications', http: { component: 'api', path: '/notifications', method: 'GET', expectStatus: 200 }, timeoutSeconds: 30 },
    ]);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-tests-repo-'));
    try {
      const file = path.join(root, 'stacks/shop/services/cart/service.yaml');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'apiVersion: components.deployer.io/v1\nkind: Service\nmetadata:\n  name: cart\nspec:\n  team: shop\n  owners: [ana@example.com]\n  tests:\n    - name: smoke\n      comand: "true"\n');
      const error = errorOf(() => loadServiceTests(root, 'shop', 'cart')) as unknown as ModelValidationError;
      expect(error).toBeInstanceOf(ModelValidationError);
      expect(error.diagnostics[0]).toMatchObject({ file: 'stacks/shop/services/cart/service.yaml', line: 9, path: 'spec.tests[0]' });
      expect(errorOf(() => loadServiceTests(root, 'shop', 'orders'))).toBeInstanceOf(ModelValidationError);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('observers and their failures', () => {
  it('observes an aws environment through CloudWatch/ECS in its region, and maps what AWS lacks to what to do', async () => {
    const production = { ...loadEnvironment(exampleRepo, 'production')!, target: 'aws' as const };
    const observer = await observerFor(production);
    expect(observer).toBeInstanceOf(AwsObserver);
    const ref = { stack: 'user-platform', environment: 'production', service: 'notification-service', component: 'api' };
    expect(observeFailure(new AwsObserverError('no ECS service user-platform-production-notification-service-api', 'not-found'), ref)).toMatchObject({ code: 'NOT_DEPLOYED' });
    expect(observeFailure(new AwsObserverError('install the Session Manager plugin', 'missing-tool'), ref)).toMatchObject({ code: 'AWS_OBSERVER', message: 'install the Session Manager plugin' });
  });

  it('says how to start the runtime when it is not running', async () => {
    const previous = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-no-runtime-'));
    try {
      await expect(observerFor(loadEnvironment(exampleRepo, 'staging')!)).rejects.toMatchObject({
        code: 'RUNTIME_UNAVAILABLE',
        message: 'the local runtime is not running; start it with `deployer dev start`',
      });
    } finally {
      fs.rmSync(process.env.DEPLOYER_HOME, { recursive: true, force: true });
      process.env.DEPLOYER_HOME = previous;
    }
  });

  it('turns a missing component into the apply to run', () => {
    expectError(
      observeFailure(new RuntimeRequestFailed(404, 'no component user-platform.staging.notification-service.api runs on the local target'), api),
      'NOT_DEPLOYED',
      EXIT.failure,
      'notification-service/api is not deployed to staging (stack user-platform): no component user-platform.staging.notification-service.api runs on the local target. ' +
        'Deploy it first: deployer apply --stack user-platform --service notification-service --environment staging --var VERSION=<version>',
    );
    expectError(observeFailure(new RuntimeUnavailableError('the local runtime at http://127.0.0.1:1 did not answer'), api), 'RUNTIME_UNAVAILABLE', EXIT.failure, 'the local runtime at http://127.0.0.1:1 did not answer');
    expectError(observeFailure(new RuntimeRequestFailed(400, 'bad'), api), 'RUNTIME_ERROR', EXIT.failure, 'the local runtime refused the request: bad');
    const other = new Error('something else');
    expect(observeFailure(other, api)).toBe(other);
  });
});

describe('secret outputs', () => {
  const database = { ...api, component: 'database' };
  const state: ComponentState = {
    kind: 'RDS',
    actual: { engine: 'postgres', database: 'notifications' },
    outputs: { endpoint: '127.0.0.1', port: '40123', password: 'unit-test-password' },
    secretOutputs: ['password'],
    status: { state: 'running' },
  };
  const observerOf = (found: ComponentState | undefined) => ({ state: async () => found }) as unknown as Observer;

  it('are masked wherever commands read state: status (observedState) and show, health, metrics, exec (deployedState)', async () => {
    const masked = { ...state, outputs: { endpoint: '127.0.0.1', port: '40123', password: '(secret)' } };
    expect(await observedState(observerOf(state), database)).toEqual(masked);
    expect(await deployedState(observerOf(state), database)).toEqual(masked);
    expect(await observedState(observerOf(undefined), database)).toBeUndefined();
    await expect(deployedState(observerOf(undefined), database)).rejects.toMatchObject({ code: 'NOT_DEPLOYED' });
  });
});

describe('exec requests', () => {
  it('needs --command without a terminal, and with --json', () => {
    expect(() => checkExecRequest({ command: 'ls', json: false, interactive: false })).not.toThrow();
    expect(() => checkExecRequest({ json: false, interactive: true })).not.toThrow();
    expectError(errorOf(() => checkExecRequest({ json: false, interactive: false })), 'NO_COMMAND', EXIT.usage, /^no --command and stdin is not a terminal/);
    expectError(errorOf(() => checkExecRequest({ json: true, interactive: true })), 'NO_COMMAND', EXIT.usage, /^--json needs --command/);
    expectError(errorOf(() => checkExecRequest({ command: '  ', json: false, interactive: true })), 'BAD_COMMAND', EXIT.usage, /^--command is empty/);
  });
});

describe('service tests through Temporal', () => {
  const input = { stack: 'user-platform', environment: 'staging', service: 'notification-service', tests: [] };

  it('names its workflow test/<stack>/<env>/<service>/<random>', () => {
    const id = testWorkflowId(input);
    expect(id).toMatch(/^test\/user-platform\/staging\/notification-service\/[0-9a-f]{8}$/);
    expect(testWorkflowId(input)).not.toBe(id);
  });

  it('turns the worker\'s "never deployed" into the apply to run, and other failures into what went wrong', () => {
    const notDeployed = Object.assign(new Error('Workflow execution failed'), {
      cause: Object.assign(new Error('Activity task failed'), { cause: ApplicationFailure.nonRetryable('notification-service has never been deployed to staging; deploy it before testing it', 'NotDeployed') }),
    });
    expect(rootCause(notDeployed)).toEqual({ type: 'NotDeployed', message: 'notification-service has never been deployed to staging; deploy it before testing it' });
    expectError(
      testsFailure(notDeployed, input, 'test/x'),
      'NOT_DEPLOYED',
      EXIT.failure,
      'notification-service has never been deployed to staging; deploy it before testing it. Deploy it first: ' + applyNextStep(input),
    );
    expectError(testsFailure(new Error('boom'), input, 'test/x'), 'TESTS_NOT_RUN', EXIT.failure, 'the tests of notification-service in staging could not run: boom (workflow test/x)');
  });
});
