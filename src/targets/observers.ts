import type { EnvironmentSpec } from '../model/schema';
import type { Observer } from './observer';

/** What finding a component's running parts takes: the target, and on aws the region and platform. */
export type ObservedEnvironment = Pick<EnvironmentSpec, 'target' | 'region' | 'platform'>;

// One aws observer per region and platform for the process's life: its SDK clients keep their
// connections and credentials between polls (the health gate, the monitor, Slack's /deployer status).
const awsObservers = new Map<string, Observer>();

/**
 * The observer of an environment's target: the local runtime, or CloudWatch/ECS/ELB in the
 * environment's region. Loaded on use, so a process that only deals with one target never loads the
 * other's clients. Locally it fails with RuntimeUnavailableError when the runtime is not running.
 */
export async function observerFor(environment: ObservedEnvironment): Promise<Observer> {
  if (environment.target === 'local') {
    const { LocalObserver } = await import('./local/localObserver');
    return new LocalObserver();
  }
  const key = JSON.stringify([environment.region, environment.platform]);
  let observer = awsObservers.get(key);
  if (!observer) {
    const { AwsObserver } = await import('./aws/awsObserver');
    awsObservers.set(key, (observer = new AwsObserver({ region: environment.region, platform: environment.platform })));
  }
  return observer;
}
