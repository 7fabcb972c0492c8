import { LIVE_REFRESH_MS, liveMicroService, liveReplicas } from '../../cli/liveReplicas';
import type { DeploymentProgress } from '../../src/temporal/deployment';
import type { ComponentHealth, Observer } from '../../src/targets/observer';

const replica = (state: ComponentHealth['replicas'][number]['state']) => ({ replica: 'api-1', version: 'v1.2.0', port: 1, state, startedAt: '2026-01-15T14:30:00Z', restarts: 0, checks: [] });
const health = (...states: ComponentHealth['replicas'][number]['state'][]): ComponentHealth => ({ kind: 'MicroService', healthy: true, summary: '', replicas: states.map(replica) });

describe('live replicas for the progress box', () => {
  it('counts replicas passing their checks out of those asked for', () => {
    expect(liveMicroService(health('healthy', 'healthy', 'starting'), 5)).toEqual({ healthy: 2, desired: 5, checks: 'passing' });
    expect(liveMicroService(health('healthy', 'unhealthy'))).toEqual({ healthy: 1, desired: 2, checks: 'failing' });
    expect(liveMicroService(health('starting'), 3)).toEqual({ healthy: 0, desired: 3, checks: 'starting' });
  });

  it('asks the target about MicroServices under way, at most every few seconds', async () => {
    let clock = 0;
    const asked: string[] = [];
    const observer = { health: async (ref: { component: string }) => (asked.push(ref.component), health('healthy')) } as unknown as Observer;
    const progress = {
      stack: 's',
      environment: 'production',
      service: 'svc',
      waves: [{ index: 1, state: 'running', components: [{ id: 'svc/api', kind: 'MicroService', action: 'update', state: 'running' }, { id: 'svc/db', kind: 'RDS', action: 'update', state: 'running' }, { id: 'svc/worker', kind: 'MicroService', action: 'update', state: 'pending' }] }],
    } as unknown as DeploymentProgress;
    const live = liveReplicas(observer, (id) => (id === 'svc/api' ? 5 : undefined), () => clock);
    expect(await live(progress)).toEqual({ 'svc/api': { healthy: 1, desired: 5, checks: 'passing' } });
    clock += LIVE_REFRESH_MS - 1;
    await live(progress);
    expect(asked).toEqual(['api']);
    clock += 1;
    await live(progress);
    expect(asked).toEqual(['api', 'api']);
  });
});
