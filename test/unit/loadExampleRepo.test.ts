import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { computeWaves } from '../../src/model/waves';
import type { MicroServiceSpec, RdsSpec } from '../../src/model/schema';

const root = path.resolve(__dirname, '../../examples/deployment-repo');

describe('the example deployment repo', () => {
  it('loads production with infra.yaml merged, overrides applied and ${VERSION} filled', () => {
    const stack = loadDesiredStack({ root, stack: 'user-platform', environment: 'production', variables: { VERSION: 'v1.2.0' } });
    expect(stack.services.map((service) => service.name)).toEqual(['notification-service', 'user-service']);
    const api = stack.services[0]!.components.find((component) => component.id === 'notification-service/api')!;
    const spec = api.spec as MicroServiceSpec;
    expect(spec.image).toBe('notification-api:v1.2.0');
    expect(spec.resources).toEqual({ cpu: 512, memory: 1024 });
    expect(spec.scaling).toEqual({ replicas: 5, autoscaling: { minReplicas: 5, maxReplicas: 20, targetCPU: 70 } });
    expect(api.configs.map((config) => config.mountPath)).toEqual(['/config/app.yaml']);
    expect(api.dependsOn).toEqual(['notification-service/cache', 'notification-service/database', 'notification-service/queue', 'user-service/api']);
    const database = stack.services[0]!.components.find((component) => component.id === 'notification-service/database')!;
    expect((database.spec as RdsSpec).multiAZ).toBe(true);
    expect(stack.environment.spec.approval.required).toBe(true);
  });

  it('uses the base spec in development and defaults for unset variables', () => {
    const stack = loadDesiredStack({ root, stack: 'user-platform', environment: 'development', variables: { VERSION: 'v1.2.0' } });
    const api = stack.services[0]!.components.find((component) => component.id === 'notification-service/api')!;
    expect((api.spec as MicroServiceSpec).scaling.replicas).toBe(2);
    const userApi = stack.services[1]!.components.find((component) => component.id === 'user-service/api')!;
    expect((userApi.spec as MicroServiceSpec).image).toBe('user-api:v2.4.1');
  });

  it('orders the stack in waves across services', () => {
    const stack = loadDesiredStack({ root, stack: 'user-platform', environment: 'staging', variables: { VERSION: 'v1.2.0' } });
    expect(computeWaves(stack.services.flatMap((service) => service.components))).toEqual({
      waves: [
        ['notification-service/cache', 'notification-service/database', 'notification-service/queue', 'user-service/database'],
        ['user-service/api'],
        ['notification-service/api'],
      ],
    });
  });

  it('renders one service without the variables only another service needs', () => {
    const stack = loadDesiredStack({ root, stack: 'user-platform', environment: 'development', services: ['user-service'] });
    expect(stack.services.map((service) => service.name)).toEqual(['user-service']);
    expect(() => loadDesiredStack({ root, stack: 'user-platform', environment: 'development', services: ['notification-service'] })).toThrow(/variable \$\{VERSION\} is not defined/);
  });
});
