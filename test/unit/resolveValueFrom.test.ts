import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DesiredComponent } from '../../src/model/types';
import type { ComponentOutputs } from '../../src/pulumi/recordedState';
import { resolveValueFrom } from '../../src/targets/resolveValueFrom';

const repo = path.resolve(__dirname, '../../examples/deployment-repo');
const stack = loadDesiredStack({ root: repo, stack: 'user-platform', environment: 'development', variables: { VERSION: 'v1.2.0' } });
const component = (id: string): DesiredComponent => stack.services.flatMap((service) => service.components).find((candidate) => candidate.id === id)!;

// Outputs as ComponentStacks.outputs returns them: value plus Pulumi's secret flag.
const deployed: Record<string, ComponentOutputs> = {
  'notification-service/database': {
    endpoint: { value: '127.0.0.1', secret: false },
    port: { value: 54321, secret: false },
    database: { value: 'notifications', secret: false },
    username: { value: 'notifications', secret: false },
    password: { value: 'generated-password', secret: true },
  },
  // As the local program outputs it: an empty AUTH token (on aws, a Secrets Manager ARN marked secret).
  'notification-service/cache': { endpoint: { value: '127.0.0.1', secret: false }, port: { value: '63790', secret: false }, authToken: { value: '', secret: false } },
  'notification-service/queue': { url: { value: 'http://127.0.0.1:5000/123456789012/q', secret: false }, arn: { value: 'arn:aws:sqs:us-east-1:123456789012:q', secret: false } },
  'user-service/api': { url: { value: 'http://127.0.0.1:41002', secret: false } },
};

describe('resolveValueFrom', () => {
  it('fills every valueFrom variable from the named output, keeping its secret flag', () => {
    const lookups: string[] = [];
    const resolved = resolveValueFrom(component('notification-service/api'), (id) => {
      lookups.push(id);
      return deployed[id];
    });
    expect(resolved).toEqual({
      DATABASE_HOST: { value: '127.0.0.1', secret: false },
      DATABASE_PASSWORD: { value: 'generated-password', secret: true },
      CACHE_HOST: { value: '127.0.0.1', secret: false },
      CACHE_PORT: { value: '63790', secret: false },
      CACHE_AUTH_TOKEN: { value: '', secret: false },
      QUEUE_URL: { value: 'http://127.0.0.1:5000/123456789012/q', secret: false },
      USER_SERVICE_URL: { value: 'http://127.0.0.1:41002', secret: false },
    });
    // Plain `value` variables (LOG_LEVEL, ...) are not looked up.
    expect(lookups).toEqual(['notification-service/database', 'notification-service/database', 'notification-service/cache', 'notification-service/cache', 'notification-service/cache', 'notification-service/queue', 'user-service/api']);
  });

  it('turns non-string outputs into the strings an environment variable holds', () => {
    const api = component('user-service/api');
    const spec = api.spec as { environment: unknown[] };
    const withPort = { ...api, spec: { ...spec, environment: [{ name: 'DATABASE_PORT', valueFrom: { component: 'notification-service/database', output: 'port' } }] } } as DesiredComponent;
    expect(resolveValueFrom(withPort, (id) => deployed[id])).toEqual({ DATABASE_PORT: { value: '54321', secret: false } });
  });

  it('is empty for a component without valueFrom variables, or without environment at all', () => {
    expect(resolveValueFrom(component('notification-service/database'), () => undefined)).toEqual({});
    const api = component('notification-service/api');
    expect(resolveValueFrom({ ...api, spec: { ...api.spec, environment: [{ name: 'A', value: 'b' }] } } as DesiredComponent, () => undefined)).toEqual({});
  });

  it('names the producer to deploy first when it has not been deployed', () => {
    const { 'notification-service/queue': _queue, ...withoutQueue } = deployed;
    expect(() => resolveValueFrom(component('notification-service/api'), (id) => withoutQueue[id])).toThrow(
      new Error('notification-service/api: QUEUE_URL needs output "url" of notification-service/queue, which is not deployed in this environment yet; deploy notification-service/queue first'),
    );
  });

  it('names the producer when it is deployed but lacks that output', () => {
    const { password: _password, ...withoutPassword } = deployed['notification-service/database']!;
    const outputs: Record<string, ComponentOutputs> = { ...deployed, 'notification-service/database': withoutPassword };
    expect(() => resolveValueFrom(component('notification-service/api'), (id) => outputs[id])).toThrow(
      new Error('notification-service/api: DATABASE_PASSWORD needs output "password" of notification-service/database, which is not deployed in this environment yet; deploy notification-service/database first'),
    );
  });
});
