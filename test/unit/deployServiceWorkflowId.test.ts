import { deployServiceWorkflowId, parseDeployServiceWorkflowId } from '../../src/temporal/deployment';

// The id is the service's lock, and running deployments carry it: its format is pinned byte for byte.
describe('deployService workflow id', () => {
  it('is deploy/<stack>/<environment>/<service>', () => {
    expect(deployServiceWorkflowId('user-platform', 'production', 'notification-service')).toBe('deploy/user-platform/production/notification-service');
  });

  it('round-trips', () => {
    const service = { stack: 'shop-2', environment: 'prod-eu-1', service: 'cart9' };
    expect(parseDeployServiceWorkflowId(deployServiceWorkflowId(service.stack, service.environment, service.service))).toEqual(service);
  });

  it.each([
    ['a stack deployment', 'deploy-stack/user-platform/production'],
    ['a decommission', 'decommission/user-platform/production/web/2026-01-01T00:00:00.000Z'],
    ['too few parts', 'deploy/user-platform/production'],
    ['an empty part', 'deploy/user-platform//web'],
  ])('reads nothing from %s', (_why, id) => {
    expect(parseDeployServiceWorkflowId(id)).toBeUndefined();
  });
});
