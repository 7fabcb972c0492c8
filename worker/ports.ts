import path from 'node:path';
import type { ActivityPorts } from '../activities';
import { FileDriftStore } from '../src/drift/store';
import { LogNotifier } from '../src/notify/notifier';
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
    notifier: new LogNotifier(path.join(stateDir, 'notifications.jsonl')),
    drift: new FileDriftStore(path.join(stateDir, 'drift')),
    temporal: temporalClientFromEnv(),
    ...overrides,
  };
}

function observerFor(target: 'local' | 'aws'): Observer {
  if (target === 'local') return new LocalObserver();
  throw new Error('this worker cannot observe aws environments yet');
}
