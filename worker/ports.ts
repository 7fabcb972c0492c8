import path from 'node:path';
import type { ActivityPorts } from '../activities/ports';
import { notifierFromEnv } from '../src/notify/slackNotifier';
import { ComponentStacks } from '../src/pulumi/componentStacks';
import { openStateStore, StateStore } from '../src/state/stateStore';
import { temporalClientFromEnv } from '../src/temporal/clientPort';
import { targetFor } from '../src/targets/targetFor';
import { githubOidcSettingsFromEnv, verifyGithubOidcToken } from '../src/trust/githubOidc';
import { GitPolicySource, policyRepoSettingsFromEnv } from '../src/trust/reviewedPolicy';
import { SLACK_DECISION_KEY_ENV } from '../src/trust/slackDecisionKey';

/**
 * The worker's ports over a state dir: Pulumi state, release log and drift state from the state
 * store (files under the state dir, or DEPLOYER_STATE_URL's PostgreSQL), the
 * environments' observers, Slack notifications (a log without a Slack token), a Temporal client
 * from the worker's DEPLOYER_TEMPORAL_* settings, the reviewed deployment repo (DEPLOYER_POLICY_*) and
 * the Slack app's decision key.
 */
export function workerPorts(stateDir: string, overrides: Partial<ActivityPorts> = {}, state: StateStore = openStateStore(stateDir)): ActivityPorts {
  const githubOidc = githubOidcSettingsFromEnv();
  return {
    stacks: new ComponentStacks(state.pulumi),
    programs: { programFor: (deployment) => targetFor(deployment.environment).program(deployment) },
    releases: state.releases,
    observe: (environment) => targetFor(environment).observer(environment),
    notifier: notifierFromEnv(path.join(stateDir, 'notifications.jsonl')),
    drift: state.drift,
    temporal: temporalClientFromEnv(),
    policy: new GitPolicySource(stateDir, policyRepoSettingsFromEnv()),
    slackDecisionKey: process.env[SLACK_DECISION_KEY_ENV] || undefined,
    verifyGithubToken: (token) => verifyGithubOidcToken(token, githubOidc),
    ...overrides,
  };
}
