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
import { githubOidcSettingsFromEnv, verifyGithubOidcToken } from '../src/trust/githubOidc';
import { GitPolicySource, policyRepoSettingsFromEnv } from '../src/trust/reviewedPolicy';
import { SLACK_DECISION_KEY_ENV } from '../src/trust/slackDecisionKey';

/**
 * The worker's ports over a state dir: file-backed Pulumi state, release log and drift state, the
 * environments' observers, Slack notifications (a log without a Slack token), a Temporal client
 * from the worker's DEPLOYER_TEMPORAL_* settings, the reviewed deployment repo (DEPLOYER_POLICY_*) and
 * the Slack app's decision key.
 */
export function workerPorts(stateDir: string, overrides: Partial<ActivityPorts> = {}): ActivityPorts {
  const githubOidc = githubOidcSettingsFromEnv();
  return {
    stacks: new ComponentStacks(localBackend(stateDir)),
    programs: programCatalogue,
    releases: new FileReleaseStore(path.join(stateDir, 'releases')),
    observe: observerFor,
    notifier: notifierFromEnv(path.join(stateDir, 'notifications.jsonl')),
    drift: new FileDriftStore(path.join(stateDir, 'drift')),
    temporal: temporalClientFromEnv(),
    policy: new GitPolicySource(stateDir, policyRepoSettingsFromEnv()),
    slackDecisionKey: process.env[SLACK_DECISION_KEY_ENV] || undefined,
    verifyGithubToken: (token) => verifyGithubOidcToken(token, githubOidc),
    ...overrides,
  };
}
