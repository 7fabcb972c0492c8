import fs from 'node:fs';
import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot } from '../../src/paths';
import { buildPlan } from '../../src/plan/buildPlan';
import type { DesiredStack } from '../../src/model/types';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';
import { componentOf, copyAwsExample, loadAwsStack } from '../support/awsExample';

// A plan that cannot work is refused before anything is created, naming what is missing and how to fix it.
describe('plan blockers', () => {
  const desired = loadDesiredStack({ root: path.join(installRoot, 'examples', 'deployment-repo'), stack: 'user-platform', environment: 'staging', variables: { VERSION: 'v1.2.0' } });
  const userApi = desired.services.find((service) => service.name === 'user-service')!.components.find((component) => component.name === 'api')!;
  const nothingReleased = () => [];

  it('refuses a valueFrom on another service\'s component that is neither deployed nor planned', () => {
    const plan = buildPlan(desired, nothingReleased, ['notification-service']);
    expect(plan.blockers).toEqual([
      'notification-service/api: USER_SERVICE_URL reads user-service/api, which is not deployed in staging. Deploy it first (deployer apply --stack user-platform --service user-service --environment staging), or apply the whole stack.',
    ]);
  });

  it('takes it when the other service is deployed there, or planned in the same apply', () => {
    const { source: _source, ...released } = userApi;
    const deployed = (service: string): ReleasedComponent[] => (service === 'user-service' ? [released] : []);
    expect(buildPlan(desired, deployed, ['notification-service']).blockers).toEqual([]);
    expect(buildPlan(desired, nothingReleased).blockers).toEqual([]);
  });

  it('on the local target, refuses a secret the worker cannot see, naming the variable', () => {
    const withSecret = structuredClone(desired);
    const api = withSecret.services.find((service) => service.name === 'user-service')!.components.find((component) => component.name === 'api')!;
    (api.spec as { environment: unknown[] }).environment.push({ name: 'STRIPE_KEY', secretFrom: { secret: 'STRIPE_KEY_FOR_TESTS' } });
    expect(buildPlan(withSecret, nothingReleased, ['user-service'], () => false).blockers).toEqual([
      'user-service/api: secret STRIPE_KEY_FOR_TESTS for STRIPE_KEY is not set; on the local target, store it with `deployer dev secrets set STRIPE_KEY_FOR_TESTS` (no restart needed), or set it as an environment variable of the worker.',
    ]);
    expect(buildPlan(withSecret, nothingReleased, ['user-service'], (name) => name === 'STRIPE_KEY_FOR_TESTS').blockers).toEqual([]);
  });
});

describe('plan blockers on aws: routes the shared load balancer cannot tell apart', () => {
  let repo: string;
  let desired: DesiredStack;
  beforeAll(() => {
    repo = copyAwsExample();
    desired = loadAwsStack(repo, 'staging');
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  function withIngress(ingress: Record<string, { path: string; host?: string }>): DesiredStack {
    const changed = structuredClone(desired);
    for (const [id, route] of Object.entries(ingress)) (componentOf(changed, id).spec as { ingress: unknown }).ingress = route;
    return changed;
  }

  it('refuses two services with the same path (a trailing slash or not), naming both', () => {
    const plan = buildPlan(withIngress({ 'user-service/api': { path: '/api' }, 'notification-service/api': { path: '/api/' } }), () => [], ['user-service']);
    expect(plan.blockers).toEqual([
      'notification-service/api and user-service/api both route /api/: the load balancer would send all of it to one of them. Give one another ingress.path or ingress.host.',
    ]);
  });

  it('takes the same path on different hosts, and nested paths (priorities order them)', () => {
    expect(buildPlan(withIngress({ 'user-service/api': { path: '/api', host: 'users.example.com' }, 'notification-service/api': { path: '/api' } }), () => []).blockers).toEqual([]);
    expect(buildPlan(withIngress({ 'user-service/api': { path: '/api/admin' }, 'notification-service/api': { path: '/api' } }), () => []).blockers).toEqual([]);
  });
});
