import type { DesiredStack } from '../src/model/types';
import type { DeploymentProgress } from '../src/temporal/deployment';
import type { ComponentHealth, Observer } from '../src/targets/observer';
import type { LiveMicroService, LiveReplicas } from './render/progress';
import { parseComponentId } from '../src/model/componentRef';

/** The progress box is redrawn every few hundred ms; the target (ECS on aws) is asked at most this often. */
export const LIVE_REFRESH_MS = 3000;

/** Replicas each MicroService of a deployment asks for, when the caller has its desired state. */
export type DesiredReplicas = (componentId: string) => number | undefined;

/**
 * The progress box's live column ("2/5 running", "Health checks: Passing") from the target's
 * observer, for the MicroServices a deployment rolls out or watches. A component the target cannot
 * answer for yet (its first replica not started) is left out, and the box shows its timing instead.
 */
export function liveReplicas(observer: Observer, desiredReplicas: DesiredReplicas = () => undefined, now: () => number = Date.now): (progress: DeploymentProgress) => Promise<LiveReplicas> {
  let asked: { at: number; live: LiveReplicas } | undefined;
  return async (progress) => {
    if (asked && now() - asked.at < LIVE_REFRESH_MS) return asked.live;
    const watched = progress.waves.flatMap((wave) => wave.components).filter((component) => component.kind === 'MicroService' && component.action !== 'delete' && component.state !== 'pending');
    const entries = await Promise.all(
      watched.map(async (component) => {
        const name = parseComponentId(component.id)?.component ?? component.id;
        const ref = { stack: progress.stack, environment: progress.environment, service: progress.service, component: name, kind: 'MicroService' as const };
        const health = await observer.health(ref).catch(() => undefined);
        return health ? [[component.id, liveMicroService(health, desiredReplicas(component.id))] as const] : [];
      }),
    );
    asked = { at: now(), live: Object.fromEntries(entries.flat()) };
    return asked.live;
  };
}

/** Replicas passing their checks out of those asked for (or of those there are, when the caller does not know). */
export function liveMicroService(health: ComponentHealth, desired?: number): LiveMicroService {
  const healthy = health.replicas.filter((replica) => replica.state === 'healthy').length;
  const checks = health.replicas.some((replica) => replica.state === 'unhealthy') ? 'failing' : healthy > 0 ? 'passing' : 'starting';
  return { healthy, desired: desired ?? health.replicas.length, checks };
}

/** What the stack's desired state asks of each MicroService: `scaling.replicas`. */
export function desiredReplicasOf(desired: DesiredStack): DesiredReplicas {
  const replicas = new Map(
    desired.services.flatMap((service) => service.components).flatMap((component) => (component.kind === 'MicroService' ? [[component.id, component.spec.scaling.replicas] as const] : [])),
  );
  return (id) => replicas.get(id);
}
