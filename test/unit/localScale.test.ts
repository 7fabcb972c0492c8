import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentIdentity } from '../../cli/identity';
import { outOfBandReason, renderScale, resolveScaleTarget, scaleComponent } from '../../cli/localScale';
import { findServiceStack, requireComponentId } from '../../src/client/locate';
import type { ComponentRef } from '../../src/model/componentRef';
import type { ComponentState } from '../../src/targets/local/api';
import { RuntimeClient } from '../../src/targets/local/runtimeClient';
import { DeployerError, ModelValidationError, RuntimeRequestFailed, RuntimeUnavailableError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

const exampleRepo = path.resolve(__dirname, '../../examples/deployment-repo');

function errorOf(action: () => unknown): DeployerError {
  try {
    action();
  } catch (error) {
    return error as DeployerError;
  }
  throw new Error('expected an error');
}

async function rejectionOf(promise: Promise<unknown>): Promise<DeployerError> {
  try {
    await promise;
  } catch (error) {
    return error as DeployerError;
  }
  throw new Error('expected a rejection');
}

const expectUsage = (error: DeployerError, code: string, message: string) => {
  expect(error).toBeInstanceOf(DeployerError);
  expect({ code: error.code, exitCode: exitCodeOf(error), message: error.message }).toEqual({ code, exitCode: EXIT.usage, message });
};

describe('local scale: finding the component in the deployment repo', () => {
  let root: string;

  // Two stacks share a service name; production runs on aws.
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-scale-repo-'));
    const file = (rel: string, content = '') => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), content);
    };
    const environment = (name: string, target: string) =>
      file(`environments/${name}.yaml`, `apiVersion: components.deployer.io/v1\nkind: Environment\nmetadata:\n  name: ${name}\nspec:\n  target: ${target}\n`);
    environment('development', 'local');
    environment('staging', 'local');
    environment('production', 'aws');
    file('environments/broken.yaml', 'apiVersion: components.deployer.io/v1\nkind: Environment\nmetadata:\n  name: broken\nspec:\n  target: mars\n');
    file('stacks/shop/services/cart/components/api/microservice.yaml');
    file('stacks/shop/services/cart/components/worker/microservice.yaml');
    file('stacks/shop/services/cart/components/database/rds.yaml');
    file('stacks/shop/services/orders/components/api/microservice.yaml');
    file('stacks/payments/services/ledger/components/api/microservice.yaml');
    file('stacks/payments/services/cart/components/api/microservice.yaml');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds the stack of a service from the example repo', () => {
    expect(resolveScaleTarget({ root: exampleRepo, component: 'notification-service/api', environment: 'development' })).toEqual({
      stack: 'user-platform',
      environment: 'development',
      service: 'notification-service',
      component: 'api',
    });
  });

  it('finds the only stack holding the service', () => {
    expect(findServiceStack(root, 'orders')).toBe('shop');
    expect(findServiceStack(root, 'ledger')).toBe('payments');
  });

  it('refuses a service in several stacks, listing them, unless --stack chooses', () => {
    expectUsage(errorOf(() => findServiceStack(root, 'cart')), 'AMBIGUOUS_SERVICE', 'service "cart" is in 2 stacks: payments, shop. Pass --stack to choose one.');
    expect(findServiceStack(root, 'cart', 'shop')).toBe('shop');
    expect(resolveScaleTarget({ root, component: 'cart/worker', environment: 'development', stack: 'shop' })).toEqual({ stack: 'shop', environment: 'development', service: 'cart', component: 'worker' });
  });

  it('refuses a service no stack has, with a suggestion and the services there are', () => {
    expectUsage(
      errorOf(() => findServiceStack(root, 'order')),
      'UNKNOWN_SERVICE',
      'no stack has a service "order". Did you mean "orders"? Services in this repo: cart (payments), ledger (payments), cart (shop), orders (shop).',
    );
    expectUsage(errorOf(() => findServiceStack(root, 'orders', 'payments')), 'UNKNOWN_SERVICE', 'stack payments has no service "orders". Its services: cart, ledger.');
  });

  it('refuses an unknown --stack, listing the stacks', () => {
    expectUsage(errorOf(() => findServiceStack(root, 'cart', 'shops')), 'UNKNOWN_STACK', 'unknown stack "shops". Did you mean "shop"? Stacks in this repo: payments, shop.');
  });

  it('refuses a component the service does not have', () => {
    expectUsage(
      errorOf(() => resolveScaleTarget({ root, component: 'orders/apy', environment: 'development' })),
      'UNKNOWN_COMPONENT',
      'service orders (stack shop) has no component "apy". Did you mean "api"? Its components: api.',
    );
  });

  it('refuses a component that is not a MicroService, naming those that are', () => {
    expectUsage(
      errorOf(() => resolveScaleTarget({ root, component: 'cart/database', environment: 'development', stack: 'shop' })),
      'NOT_SCALABLE',
      'cart/database is an RDS; only a MicroService has replicas to scale. MicroServices of cart: api, worker.',
    );
  });

  it('refuses a --component that is not <service>/<component>', () => {
    for (const id of ['api', 'cart/api/extra', 'Cart/api', '/api', 'cart/']) {
      expectUsage(errorOf(() => requireComponentId(id)), 'BAD_COMPONENT', `--component "${id}" is not <service>/<component> (e.g. notification-service/api)`);
    }
    expect(requireComponentId('notification-service/api')).toEqual({ service: 'notification-service', component: 'api' });
  });

  it('refuses an environment that does not run on the local target', () => {
    expectUsage(
      errorOf(() => resolveScaleTarget({ root, component: 'orders/api', environment: 'production' })),
      'NOT_LOCAL',
      'environment production targets aws, not local: `deployer local scale` changes only what the local runtime runs. Environments on the local target: development, staging.',
    );
  });

  it('refuses an unknown environment, listing the environments', () => {
    expectUsage(
      errorOf(() => resolveScaleTarget({ root, component: 'orders/api', environment: 'prod' })),
      'UNKNOWN_ENVIRONMENT',
      'unknown environment "prod". Did you mean "production"? Environments in this repo: broken, development, production, staging.',
    );
  });

  it('reports an invalid environment file as the repo being invalid', () => {
    const error = errorOf(() => resolveScaleTarget({ root, component: 'orders/api', environment: 'broken' })) as unknown as ModelValidationError;
    expect(error).toBeInstanceOf(ModelValidationError);
    expect(error.diagnostics.map((d) => `${d.file}:${d.line} ${d.path}`)).toEqual(['environments/broken.yaml:6 spec.target']);
  });
});

describe('local scale: the change through the runtime', () => {
  const ref: ComponentRef = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };
  const path = '/v1/components/user-platform.development.notification-service.api';

  function state(replicas: number, healthy = replicas): ComponentState {
    return {
      kind: 'MicroService',
      actual: { kind: 'MicroService', image: 'notification-api:v1.2.0', replicas },
      outputs: { url: 'http://127.0.0.1:40001' },
      secretOutputs: [],
      status: { state: healthy >= replicas ? 'running' : 'degraded', desiredReplicas: replicas, healthyReplicas: healthy, version: 'v1.2.0', url: 'http://127.0.0.1:40001' },
    };
  }

  /** A runtime client that answers from `handler` and records every request. */
  function fakeRuntime(handler: (method: string, path: string, body: unknown) => unknown) {
    const requests: { method: string; path: string; body: unknown }[] = [];
    const client = {
      request: async (method: string, requestPath: string, body?: unknown) => {
        requests.push({ method, path: requestPath, body });
        return handler(method, requestPath, body);
      },
    } as unknown as RuntimeClient;
    return { requests, connect: () => client };
  }

  it('reads the current count, then sends the new one with who did it, and returns the state', async () => {
    const runtime = fakeRuntime((method) => (method === 'GET' ? state(2) : state(3)));
    const scalingCalls: [number, number][] = [];
    const outcome = await scaleComponent(ref, 3, 'ana@example.com', { connect: runtime.connect, onScaling: (from, to) => scalingCalls.push([from, to]) });
    expect(runtime.requests).toEqual([
      { method: 'GET', path, body: undefined },
      { method: 'POST', path: `${path}/scale`, body: { replicas: 3, reason: 'by ana@example.com with `deployer local scale`, outside deployer' } },
    ]);
    expect(scalingCalls).toEqual([[2, 3]]);
    expect(outcome).toEqual({ ref, from: 2, to: 3, changed: true, actor: 'ana@example.com', state: state(3) });
  });

  it('sends nothing when the component already runs that many replicas', async () => {
    const runtime = fakeRuntime(() => state(2));
    const outcome = await scaleComponent(ref, 2, 'ana@example.com', { connect: runtime.connect });
    expect(runtime.requests.map((request) => request.method)).toEqual(['GET']);
    expect(outcome).toMatchObject({ from: 2, to: 2, changed: false });
    expect(renderScale(outcome)).toBe('notification-service/api in development already runs 2 replicas on the local target; nothing changed.');
  });

  it('says deployer was bypassed, and how the change is found and undone', () => {
    expect(renderScale({ ref, from: 2, to: 3, changed: true, actor: 'ana@example.com', state: state(3) })).toBe(
      [
        '⚠ Out-of-band change: scaled notification-service/api in development from 2 to 3 replicas, bypassing deployer.',
        "  3/3 replicas healthy now; the runtime's events record the change as made by ana@example.com.",
        '  `deployer drift detect --service notification-service --environment development` reports it as drift; `deployer drift remediate --service notification-service --environment development` restores the released count.',
      ].join('\n'),
    );
    expect(renderScale({ ref, from: 2, to: 1, changed: true, actor: 'ana', state: state(1) }).split('\n')[0]).toBe(
      '⚠ Out-of-band change: scaled notification-service/api in development from 2 to 1 replica, bypassing deployer.',
    );
  });

  it('turns a runtime that is not running into a DeployerError with its message (exit 1)', async () => {
    const error = await rejectionOf(
      scaleComponent(ref, 3, 'ana', {
        connect: () => {
          throw new RuntimeUnavailableError('the local runtime is not running; start it with `deployer dev start`');
        },
      }),
    );
    expect(error).toBeInstanceOf(DeployerError);
    expect({ code: error.code, exitCode: exitCodeOf(error), message: error.message }).toEqual({
      code: 'RUNTIME_UNAVAILABLE',
      exitCode: EXIT.failure,
      message: 'the local runtime is not running; start it with `deployer dev start`',
    });
  });

  it('turns an unknown component into the runtime\'s message plus how to deploy it (exit 1)', async () => {
    const runtime = fakeRuntime(() => {
      throw new RuntimeRequestFailed(404, 'no component user-platform.development.notification-service.api runs on the local target');
    });
    const error = await rejectionOf(scaleComponent(ref, 3, 'ana', { connect: runtime.connect }));
    expect(error).toBeInstanceOf(DeployerError);
    expect({ code: error.code, exitCode: exitCodeOf(error), message: error.message }).toEqual({
      code: 'NOT_DEPLOYED',
      exitCode: EXIT.failure,
      message:
        'no component user-platform.development.notification-service.api runs on the local target. Deploy it first (`deployer apply --stack user-platform --environment development`), then scale it.',
    });
    expect(runtime.requests.map((request) => request.method)).toEqual(['GET']);
  });

  it('reports a scale the runtime could not complete (exit 1)', async () => {
    const runtime = fakeRuntime((method) => {
      if (method === 'GET') return state(2);
      throw new RuntimeRequestFailed(500, 'replica api-3 unhealthy (/health -> HTTP 503)');
    });
    const error = await rejectionOf(scaleComponent(ref, 3, 'ana', { connect: runtime.connect }));
    expect({ code: error.code, exitCode: exitCodeOf(error), message: error.message }).toEqual({
      code: 'SCALE_FAILED',
      exitCode: EXIT.failure,
      message: 'the local runtime could not scale notification-service/api: replica api-3 unhealthy (/health -> HTTP 503)',
    });
  });

  it('refuses a component the runtime runs as another kind', async () => {
    const runtime = fakeRuntime(() => ({ ...state(0), kind: 'RDS' }));
    const error = await rejectionOf(scaleComponent(ref, 3, 'ana', { connect: runtime.connect }));
    expectUsage(error, 'NOT_SCALABLE', 'notification-service/api runs on the local target as an RDS; only a MicroService has replicas to scale.');
    expect(runtime.requests.map((request) => request.method)).toEqual(['GET']);
  });
});

describe('local scale: who did it', () => {
  it('is DEPLOYER_USER when set', () => {
    expect(currentIdentity({ DEPLOYER_USER: '  ana@example.com ' })).toBe('ana@example.com');
    expect(outOfBandReason('ana@example.com')).toBe('by ana@example.com with `deployer local scale`, outside deployer');
  });
});
