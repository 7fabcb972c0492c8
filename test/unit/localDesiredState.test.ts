import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredStack } from '../../src/model/types';
import { ComponentDeployment, componentDeployment, ComponentDeploymentOf, ResolvedValue } from '../../src/targets/deployment';
import { setLocalSecret } from '../../src/targets/local/localSecrets';
import { localDesiredState } from '../../src/targets/local/programs';
import { LocalTargetError } from '../../src/errors';

const repo = path.resolve(__dirname, '../../examples/deployment-repo');
const appDir = path.resolve(__dirname, '../../examples/apps/notification-api');
const apiConfig = path.join(repo, 'stacks/user-platform/services/notification-service/components/api/configs/app.yaml');

// What the notification API's valueFrom variables resolve to once its producers are deployed.
const resolvedForApi: Record<string, ResolvedValue> = {
  DATABASE_HOST: { value: '127.0.0.1', secret: false },
  DATABASE_PASSWORD: { value: 'pg-generated-password', secret: true },
  CACHE_HOST: { value: '127.0.0.1', secret: false },
  CACHE_PORT: { value: '6379', secret: false },
  // The local Redis takes no AUTH: its authToken output is empty.
  CACHE_AUTH_TOKEN: { value: '', secret: false },
  QUEUE_URL: { value: 'http://127.0.0.1:4566/123456789012/user-platform-development-notification-service-queue', secret: false },
  USER_SERVICE_URL: { value: 'http://127.0.0.1:41002', secret: false },
};

let stack: DesiredStack;

beforeAll(() => {
  stack = loadDesiredStack({ root: repo, stack: 'user-platform', environment: 'development', variables: { VERSION: 'v1.2.0' } });
});

/** The deployment of a MicroService of the example, whose spec a test may change. */
function microService(id: string, resolved: Record<string, ResolvedValue> = {}): ComponentDeploymentOf<'MicroService'> {
  const found = deployment(id, resolved);
  if (found.kind !== 'MicroService') throw new Error(`${id} is a ${found.kind}`);
  return found;
}

function deployment(id: string, resolved: Record<string, ResolvedValue> = {}): ComponentDeployment {
  const component = stack.services.flatMap((service) => service.components).find((candidate) => candidate.id === id);
  if (!component) throw new Error(`no ${id} in the example repo`);
  return componentDeployment(stack.stack, stack.environment, component, { resolved });
}

function errorOf(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('localDesiredState: MicroService', () => {
  it('runs the image with the local.images command in its absolute working directory, with plain and secret variables apart', () => {
    expect(localDesiredState(deployment('notification-service/api', resolvedForApi))).toEqual({
      kind: 'MicroService',
      image: 'notification-api:v1.2.0',
      command: ['node', 'server.js'],
      workingDir: appDir,
      port: 8080,
      environment: {
        LOG_LEVEL: 'info',
        DATABASE_HOST: '127.0.0.1',
        CACHE_HOST: '127.0.0.1',
        CACHE_PORT: '6379',
        CACHE_AUTH_TOKEN: '',
        CACHE_ENABLED: 'true',
        QUEUE_URL: 'http://127.0.0.1:4566/123456789012/user-platform-development-notification-service-queue',
        USER_SERVICE_URL: 'http://127.0.0.1:41002',
      },
      secretEnvironment: { DATABASE_PASSWORD: 'pg-generated-password' },
      configs: [{ path: 'app.yaml', content: fs.readFileSync(apiConfig, 'utf8') }],
      replicas: 2,
      resources: { cpu: 256, memory: 512 },
      healthCheck: { path: '/health', intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 2, unhealthyThreshold: 3, gracePeriodSeconds: 10 },
      // environments/development.yaml: rollout.healthTimeout 2m.
      healthTimeoutSeconds: 120,
    });
  });

  it('never puts a secret value among the plain variables', () => {
    const desired = localDesiredState(deployment('notification-service/api', resolvedForApi));
    expect(JSON.stringify(desired.kind === 'MicroService' && desired.environment)).not.toContain('pg-generated-password');
  });

  it('takes the command of the spec over the local.images one', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const desired = localDesiredState({ ...base, spec: { ...base.spec, command: ['node', 'server.js', '--verbose'] } });
    expect(desired).toMatchObject({ command: ['node', 'server.js', '--verbose'], workingDir: appDir });
  });

  it("converts another environment's health timeout (5m) to seconds", () => {
    const base = microService('user-service/api', { DATABASE_HOST: { value: '127.0.0.1', secret: false } });
    const desired = localDesiredState({ ...base, environment: { ...base.environment, rollout: { ...base.environment.rollout, healthTimeout: '5m' } } });
    expect(desired).toMatchObject({ kind: 'MicroService', image: 'user-api:v2.4.1', replicas: 2, healthTimeoutSeconds: 300, environment: { DATABASE_HOST: '127.0.0.1' }, secretEnvironment: {} });
  });

  it('reads secretFrom from the worker\'s environment into secretEnvironment', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const { spec } = base;
    const withSecret = { ...base, spec: { ...spec, environment: [...spec.environment, { name: 'SMTP_TOKEN', secretFrom: { secret: 'DEPLOYER_TEST_SMTP_TOKEN' } }] } };
    process.env.DEPLOYER_TEST_SMTP_TOKEN = 'smtp-token-value';
    try {
      const desired = localDesiredState(withSecret);
      expect(desired).toMatchObject({ secretEnvironment: { DATABASE_PASSWORD: 'pg-generated-password', SMTP_TOKEN: 'smtp-token-value' } });
      expect(desired.kind === 'MicroService' && 'SMTP_TOKEN' in desired.environment).toBe(false);
    } finally {
      delete process.env.DEPLOYER_TEST_SMTP_TOKEN;
    }
  });

  it('reads a secret stored with `deployer dev secrets set` at each resolution, before the worker\'s environment', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const { spec } = base;
    const withSecret = { ...base, spec: { ...spec, environment: [{ name: 'SMTP_TOKEN', secretFrom: { secret: 'DEPLOYER_TEST_STORED_TOKEN' } }] } };
    const previousHome = process.env.DEPLOYER_HOME;
    process.env.DEPLOYER_HOME = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-secrets-'));
    process.env.DEPLOYER_TEST_STORED_TOKEN = 'from-the-environment';
    try {
      expect(localDesiredState(withSecret)).toMatchObject({ secretEnvironment: { SMTP_TOKEN: 'from-the-environment' } });
      setLocalSecret('DEPLOYER_TEST_STORED_TOKEN', 'from-the-file');
      expect(localDesiredState(withSecret)).toMatchObject({ secretEnvironment: { SMTP_TOKEN: 'from-the-file' } });
    } finally {
      fs.rmSync(process.env.DEPLOYER_HOME, { recursive: true, force: true });
      if (previousHome === undefined) delete process.env.DEPLOYER_HOME;
      else process.env.DEPLOYER_HOME = previousHome;
      delete process.env.DEPLOYER_TEST_STORED_TOKEN;
    }
  });

  it('refuses an image the environment has no local.images entry for, saying where to add it', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const error = errorOf(() => localDesiredState({ ...base, environment: { ...base.environment, local: { images: { 'user-api': { command: ['node', 'server.js'], workingDir: appDir } } } } }));
    expect(error).toBeInstanceOf(LocalTargetError);
    expect(error.message).toBe(
      'notification-service/api: environment development runs on the local target but has no local.images entry for "notification-api". ' +
        'Add local.images.notification-api (command and workingDir) to environments/development.yaml.',
    );
  });

  it('refuses an environment without any local section the same way', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const error = errorOf(() => localDesiredState({ ...base, environment: { ...base.environment, local: undefined } }));
    expect(error).toBeInstanceOf(LocalTargetError);
    expect(error.message).toMatch(/^notification-service\/api: .*no local\.images entry for "notification-api"\. Add local\.images\.notification-api/);
  });

  it('refuses a valueFrom that has not been resolved, naming the producer to deploy first', () => {
    const { DATABASE_PASSWORD: _password, ...withoutPassword } = resolvedForApi;
    const error = errorOf(() => localDesiredState(deployment('notification-service/api', withoutPassword)));
    expect(error).toBeInstanceOf(LocalTargetError);
    expect(error.message).toBe('notification-service/api: DATABASE_PASSWORD comes from notification-service/database, which has no output password yet; deploy it first');
  });

  it('refuses a secretFrom that neither the local secrets file nor the worker\'s environment holds', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const { spec } = base;
    delete process.env.DEPLOYER_TEST_MISSING_SECRET;
    const error = errorOf(() => localDesiredState({ ...base, spec: { ...spec, environment: [{ name: 'API_KEY', secretFrom: { secret: 'DEPLOYER_TEST_MISSING_SECRET' } }] } }));
    expect(error).toBeInstanceOf(LocalTargetError);
    expect(error.message).toBe('notification-service/api: secret DEPLOYER_TEST_MISSING_SECRET for API_KEY is not set; on the local target, store it with `deployer dev secrets set DEPLOYER_TEST_MISSING_SECRET` (no restart needed), or set it as an environment variable of the worker');
  });

  it('refuses a working directory that does not exist on this machine, saying which setting to fix', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const missing = path.join(appDir, 'does-not-exist');
    const error = errorOf(() =>
      localDesiredState({ ...base, environment: { ...base.environment, local: { images: { 'notification-api': { command: ['node', 'server.js'], workingDir: missing } } } } }),
    );
    expect(error).toBeInstanceOf(LocalTargetError);
    expect(error.message).toBe(
      `notification-service/api: the working directory of local image "notification-api" (${missing}) does not exist on this machine. ` +
        'Fix local.images.notification-api.workingDir in environments/development.yaml (it is relative to environments/).',
    );
  });

  it('lays config files out under $CONFIG_DIR at their mountPath, as they are under /config on aws', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const content = fs.readFileSync(apiConfig, 'utf8');
    const configs = [
      { path: 'app.yaml', mountPath: '/config/settings/notifications.yaml', sha256: 'x', content },
      { path: 'app.yaml', mountPath: '/config/app.yaml', sha256: 'x', content },
    ];
    expect(localDesiredState({ ...base, configs })).toMatchObject({
      configs: [
        { path: 'settings/notifications.yaml', content },
        { path: 'app.yaml', content },
      ],
    });
  });

  it('finds the local image by repository for an image behind a registry host', () => {
    const base = microService('notification-service/api', resolvedForApi);
    const desired = localDesiredState({ ...base, spec: { ...base.spec, image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/notification-api:v1.2.0' } });
    expect(desired).toMatchObject({ command: ['node', 'server.js'], workingDir: appDir });
  });
});

describe('localDesiredState: data components', () => {
  it('maps an RDS to a PostgreSQL database with its name and user', () => {
    expect(localDesiredState(deployment('notification-service/database'))).toEqual({ kind: 'RDS', engine: 'postgres', version: '16.4', database: 'notifications', username: 'notifications' });
    // user-service/database leaves the username to the default.
    expect(localDesiredState(deployment('user-service/database'))).toEqual({ kind: 'RDS', engine: 'postgres', version: '16.4', database: 'users', username: 'app' });
  });

  it('maps an ElastiCacheRedis to its engine version only', () => {
    expect(localDesiredState(deployment('notification-service/cache'))).toEqual({ kind: 'ElastiCacheRedis', version: '7.0' });
  });

  it('maps an SQS queue with its timeouts and dead-letter queue, and fifo from the type', () => {
    const queue = deployment('notification-service/queue');
    if (queue.kind !== 'SQS') throw new Error('notification-service/queue is not an SQS queue');
    expect(localDesiredState(queue)).toEqual({
      kind: 'SQS',
      fifo: false,
      visibilityTimeoutSeconds: 60,
      messageRetentionSeconds: 345600,
      deadLetterQueue: { enabled: true, maxReceiveCount: 5 },
    });
    expect(localDesiredState({ ...queue, spec: { ...queue.spec, type: 'fifo' } })).toMatchObject({ kind: 'SQS', fifo: true });
  });
});
