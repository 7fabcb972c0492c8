import path from 'node:path';
import type { DeployerActivities } from '../../activities';
import type { MonitorBreach } from '../../src/temporal/deploymentActivities';
import { computeWaves } from '../../src/model/waves';
import { loadDesiredStack } from '../../src/model/loadRepo';
import type { DeploymentPolicy, DesiredStack } from '../../src/model/types';
import { installRoot } from '../../src/paths';
import type { DeploymentPlan } from '../../src/plan/buildPlan';
import type { ReleasedComponent, ReleaseRecord } from '../../src/releases/releaseRecord';
import type { ApprovalDecision } from '../../src/temporal/deployment';

// The example repo's user-platform stack, with the answers deployService's activities give for it,
// for workflow tests that fake every activity (test/support/fakeActivities.ts).

export const STACK = 'user-platform';
export const ENVIRONMENT = 'development';
export const REQUESTER = 'alice@company.com';
export const APPROVER = 'bob@company.com';

/** The stack's desired state at a version (all services, or the named ones), with a one-minute monitoring window. */
export function exampleStack(version: string, services: string[] = ['user-service']): DesiredStack {
  const model = loadDesiredStack({ root: path.join(installRoot, 'examples', 'deployment-repo'), stack: STACK, environment: ENVIRONMENT, variables: { VERSION: version, USER_API_VERSION: version }, services });
  model.environment.spec.rollout = { healthTimeout: '1m', monitorWindow: '1m', checkInterval: '5s' };
  model.environment.spec.rollback = { automatic: true, errorRatePercent: 5, p99LatencyMs: 2000 };
  return model;
}

export function componentsOf(model: DesiredStack, service = 'user-service'): ReleasedComponent[] {
  return model.services.find((candidate) => candidate.name === service)!.components.map(({ source: _source, ...component }) => component);
}

/** A succeeded release of the model's service, as the release log keeps it. */
export function releaseOf(model: DesiredStack, version: string, service = 'user-service'): ReleaseRecord {
  const at = '2026-12-01T10:00:00.000Z';
  const spec = model.services.find((candidate) => candidate.name === service)!.spec;
  return { stack: STACK, environment: ENVIRONMENT, service, version, deployedBy: REQUESTER, startedAt: at, finishedAt: at, result: 'succeeded', components: componentsOf(model, service), serviceSpec: spec, environmentSpec: model.environment.spec, groups: {} };
}

/** planService's answer: every component of the service updated (created when `released` is empty), in dependency waves. */
export function planFor(model: DesiredStack, released: ReleasedComponent[], service = 'user-service'): Awaited<ReturnType<DeployerActivities['planService']>> {
  const components = componentsOf(model, service);
  const layering = computeWaves(components.map((component) => ({ id: component.id, dependsOn: component.dependsOn })));
  if ('cycle' in layering) throw new Error(`cycle: ${layering.cycle.join(' -> ')}`);
  const wasReleased = new Set(released.map((component) => component.id));
  const plan: DeploymentPlan = {
    stack: STACK,
    environment: ENVIRONMENT,
    target: 'local',
    services: [service],
    waves: layering.waves.map((ids, index) => ({
      index: index + 1,
      changes: ids.map((id) => ({ id, kind: components.find((component) => component.id === id)!.kind, action: wasReleased.has(id) ? 'update' : 'create', classes: [], fields: [] })),
    })),
    deletions: [],
    unchanged: [],
    noop: false,
    cost: { current: 10, new: 12, delta: 2, percent: 20, breakdown: [], notIncluded: [] },
    blockers: [],
  };
  return { plan, planHash: `plan-of-${service}`, released };
}

/** The reviewed policy of the environment; approval settings as given. */
export function policyWith(approval: Partial<DeploymentPolicy['approval']> = {}): DeploymentPolicy {
  return {
    environment: ENVIRONMENT,
    approval: { required: false, timeout: '24h', allowSelfApproval: false, channels: ['cli', 'slack'], ...approval },
    approvers: [APPROVER],
    groups: {},
    slackUsers: {},
    githubUsers: {},
    signingKeys: {},
    breakGlass: [],
  };
}

/** reviewRequest's answer: the policy from the reviewed branch, the commit reviewed, the requester proven by SSH. */
export function reviewed(policy: DeploymentPolicy): Awaited<ReturnType<DeployerActivities['reviewRequest']>> {
  return { policy, source: { repo: '/repos/deployment', ref: 'refs/heads/main', commit: '0'.repeat(40) }, commitReviewed: true, requesterProof: 'ssh' };
}

/** An approver's signed decision on a waiting run (the signature itself is the verifyDecision activity's to check). */
export function decisionOn(run: { workflowId: string; runId: string }, approve: boolean, issuedAtMs: number, comment?: string): ApprovalDecision {
  return {
    claims: { purpose: 'decision', workflowId: run.workflowId, runId: run.runId, planHash: 'plan-of-user-service', approve, by: APPROVER, channel: 'cli', comment, issuedAt: new Date(issuedAtMs).toISOString(), nonce: `nonce-${approve}-${issuedAtMs}` },
    proof: { type: 'ssh', signature: 'checked by the verifyDecision activity' },
  };
}

/** deployService's activities on a good day: reviewed under `policy`, planned against `released`, every engine run, check and record passing. */
export function goodDayActivities(released: ReleasedComponent[], policy: DeploymentPolicy = policyWith()): Partial<DeployerActivities> {
  return {
    reviewRequest: async () => reviewed(policy),
    planService: async ({ desired }) => planFor(desired, released),
    verifyDecision: async () => undefined,
    notify: async () => undefined,
    applyComponent: async () => ({ durationMs: 1, changes: {} }),
    removeComponent: async () => undefined,
    awaitHealthy: async () => undefined,
    monitorRelease: async () => undefined,
    recordRelease: async () => undefined,
    ensureDriftSchedule: async () => ({ scheduleId: 'drift/user-platform/development', created: true }),
  };
}

export const BREACH: MonitorBreach = { reason: 'error rate 33% > 5%', errorRatePercent: 33, p99LatencyMs: 120, unhealthy: [] };
