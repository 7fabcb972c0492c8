import path from 'node:path';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot } from '../../src/paths';
import { buildPlan } from '../../src/plan/buildPlan';
import type { ReleasedComponent } from '../../src/releases/releaseRecord';

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
    expect(buildPlan(withSecret, nothingReleased, ['user-service'], {}).blockers).toEqual([
      'user-service/api: secret STRIPE_KEY_FOR_TESTS for STRIPE_KEY is not set; on the local target it is an environment variable of the worker (set it where the worker starts, e.g. before deployer dev start).',
    ]);
    expect(buildPlan(withSecret, nothingReleased, ['user-service'], { STRIPE_KEY_FOR_TESTS: 'x' }).blockers).toEqual([]);
  });
});
