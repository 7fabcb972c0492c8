import path from 'node:path';
import type { ActivityPorts } from '../activities';
import type { ObservedEnvironment } from '../activities/deployment';
import { AwsObserver } from '../src/targets/aws/awsObserver';
import { FileDriftStore } from '../src/drift/store';
import { notifierFromEnv } from '../src/notify/slackNotifier';
import { localBackend } from '../src/pulumi/backend';
import { ComponentStacks } from '../src/pulumi/componentStacks';
import { FileReleaseStore } from '../src/releases/fileReleaseStore';
import { programCatalogue } from '../src/targets';
import { temporalClientFromEnv } from '../src/temporal/clientPort';
import { LocalObserver } from '../src/targets/local/localObserver';
import type { Observer } from '../src/targets/observer';

/**
 * The worker's ports over a state dir: file-backed Pulumi state, release log and drift state, the local
 * observer, a log notifier, and a Temporal client from the worker's DEPLOYER_TEMPORAL_* settings.
 */
export function workerPorts(stateDir: string, overrides: Partial<ActivityPorts> = {}): ActivityPorts {
  return {
    stacks: new ComponentStacks(localBackend(stateDir)),
    programs: programCatalogue,
    releases: new FileReleaseStore(path.join(stateDir, 'releases')),
    observe: observerFor,
    notifier: notifierFromEnv(path.join(stateDir, 'notifications.jsonl')),
    drift: new FileDriftStore(path.join(stateDir, 'drift')),
    temporal: temporalClientFromEnv(),
    ...overrides,
  };
}

// One aws observer per region and platform, for the worker's life: its SDK clients keep their
// connections and credentials between the health gate's and the monitor's polls.
const awsObservers = new Map<string, AwsObserver>();

function observerFor(environment: ObservedEnvironment): Observer {
  if (environment.target === 'local') return new LocalObserver();
  const key = JSON.stringify([environment.region, environment.platform]);
  let observer = awsObservers.get(key);
  if (!observer) awsObservers.set(key, (observer = new AwsObserver({ region: environment.region, platform: environment.platform })));
  return observer;
}
