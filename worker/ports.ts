import path from 'node:path';
import type { ActivityPorts } from '../activities';
import { FileDriftStore } from '../src/drift/store';
import { notifierFromEnv } from '../src/notify/slackNotifier';
import { localBackend } from '../src/pulumi/backend';
import { ComponentStacks } from '../src/pulumi/componentStacks';
import { FileReleaseStore } from '../src/releases/fileReleaseStore';
import { programCatalogue } from '../src/targets';
import { temporalClientFromEnv } from '../src/temporal/clientPort';
import { observerFor } from '../src/targets/observers';

/**
 * The worker's ports over a state dir: file-backed Pulumi state, release log and drift state, the
 * environments' observers, Slack notifications (a log without a Slack token), and a Temporal client
 * from the worker's DEPLOYER_TEMPORAL_* settings.
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
