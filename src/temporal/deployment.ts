import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ServiceRef } from '../model/componentRef';
import type { ServiceFile } from '../model/schema';
import type { DesiredStack } from '../model/types';
import type { EligibilityPolicy } from './approval';
import type { DecisionClaims, RequestClaims, SignedClaims } from '../trust/claims';
import type { DeploymentPlan } from '../plan/buildPlan';
import type { DeploymentKind, ReleaseRecord } from '../releases/releaseRecord';
import type { CanaryProgress } from '../releases/canary';

// The deployment workflows' contract with their clients (CLI, Slack app, CI): ids, inputs,
// progress, approval. Workflows and clients import it from here and nowhere else.

export const DEPLOY_SERVICE_WORKFLOW = 'deployService';
export const DEPLOY_STACK_WORKFLOW = 'deployStack';
export const ROLLBACK_SERVICE_WORKFLOW = 'rollbackService';
export const DECOMMISSION_SERVICE_WORKFLOW = 'decommissionService';
export const RUN_TESTS_WORKFLOW = 'runTests';

/** The running deployService workflow with this id is the service's lock (id conflict policy FAIL). */
export function deployServiceWorkflowId(stack: string, environment: string, service: string): string {
  return `deploy/${stack}/${environment}/${service}`;
}

/** The service whose lock a deployService workflow id is; undefined for any other id. */
export function parseDeployServiceWorkflowId(workflowId: string): ServiceRef | undefined {
  const match = /^deploy\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(workflowId);
  return match ? { stack: match[1]!, environment: match[2]!, service: match[3]! } : undefined;
}

export function deployStackWorkflowId(stack: string, environment: string): string {
  return `deploy-stack/${stack}/${environment}`;
}

export type { DeploymentKind } from '../releases/releaseRecord';

export interface DeployServiceInput {
  /** The stack's desired state as rendered from the deployment repo (or from a release, for rollback). */
  desired: DesiredStack;
  service: string;
  requestedBy: string;
  /** What users call this release (the VERSION variable, else the image tag). */
  version: string;
  kind: DeploymentKind;
  reason?: string;
  /**
   * Component ids to re-apply even though their spec is unchanged (kind `remediate`: drifted
   * components; `up` refreshes first, so re-applying the release's spec restores reality).
   */
  force?: string[];
  /** The requester's signed request: where approval is required, who asks must be proven. */
  request?: SignedClaims<RequestClaims>;
  /** Components (`<service>/<component>`) whose replacement, with the loss of their data, the requester accepted (--allow-replace). */
  allowReplace?: string[];
}

export interface DeployStackInput {
  desired: DesiredStack;
  requestedBy: string;
  version: string;
  request?: SignedClaims<RequestClaims>;
  /** As DeployServiceInput's, for every service of the stack. */
  allowReplace?: string[];
}

export interface DeployStackResult {
  services: { service: string; phase: string; reason?: string }[];
  phase: 'succeeded' | 'failed';
  /** Why nothing was deployed at all (services deployed here that the repo no longer has). */
  reason?: string;
}

/** A service's tests (from its service.yaml) to run against what is deployed in one environment. */
export interface RunTestsInput {
  stack: string;
  environment: string;
  service: string;
  tests: ServiceFile['spec']['tests'];
}

/** One test's outcome, as runTests returns it. */
export interface TestResult {
  name: string;
  passed: boolean;
  detail: string;
  durationMs: number;
}

export interface RollbackServiceInput {
  stack: string;
  environment: string;
  service: string;
  requestedBy: string;
  /** A version from the history; the last good release before the current one when omitted. */
  toVersion?: string;
  reason?: string;
  request?: SignedClaims<RequestClaims>;
  /** As DeployServiceInput's: a rollback across a replacing change replaces again. */
  allowReplace?: string[];
}

/** Removes every component of a service from an environment, on purpose (`deployer decommission`). */
export interface DecommissionServiceInput {
  stack: string;
  environment: string;
  service: string;
  requestedBy: string;
  reason?: string;
  request?: SignedClaims<RequestClaims>;
}

export function decommissionWorkflowId(stack: string, environment: string, service: string, at: Date): string {
  return `decommission/${stack}/${environment}/${service}/${at.toISOString()}`;
}

export type DeploymentPhase =
  | 'planning'
  | 'awaiting-approval'
  | 'deploying'
  | 'verifying'
  | 'monitoring'
  | 'rolling-back'
  | 'succeeded'
  | 'unchanged'
  | 'failed'
  | 'rolled-back'
  | 'rejected'
  | 'timed-out'
  | 'cancelled';

export type ComponentState = 'pending' | 'running' | 'done' | 'failed' | 'rolled-back';

export interface ComponentProgress {
  id: string;
  kind: string;
  action: string;
  state: ComponentState;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

export interface WaveProgress {
  index: number;
  state: ComponentState;
  components: ComponentProgress[];
}

/** An approver's decision: claims bound to one run and plan, with their proof (SSH signature or the Slack app's). */
export type ApprovalDecision = SignedClaims<DecisionClaims>;

export interface ApprovalState {
  required: boolean;
  /** Identities and groups that may approve. */
  approvers: string[];
  /** The run and plan a decision must name (DecisionClaims). */
  runId?: string;
  planHash?: string;
  requestedAt?: string;
  deadline?: string;
  /** The proven decision that was taken. */
  decision?: { approve: boolean; by: string; channel: 'cli' | 'slack'; comment?: string; at: string };
  /** The rollback skipped approval: its requester is on deployer.yaml's breakGlass list. */
  breakGlass?: boolean;
  /** Who may decide, from the reviewed policy, so clients ask the same rule as the workflow (eligibilityProblem). */
  policy?: EligibilityPolicy;
}

/** Breach thresholds and what monitoring saw. */
export interface MonitoringState {
  windowMs: number;
  thresholds: { errorRatePercent: number; p99LatencyMs: number };
  startedAt?: string;
  breach?: { reason: string; errorRatePercent: number; p99LatencyMs: number; unhealthy: string[] };
}

export interface DeploymentProgress {
  workflowId: string;
  stack: string;
  environment: string;
  service: string;
  version: string;
  kind: DeploymentKind;
  requestedBy: string;
  phase: DeploymentPhase;
  startedAt: string;
  finishedAt?: string;
  plan?: DeploymentPlan;
  waves: WaveProgress[];
  approval: ApprovalState;
  monitoring?: MonitoringState;
  /** The canaries this deployment runs or ran: one per MicroService rolled out with the canary strategy. */
  canaries?: CanaryProgress[];
  /** Why it ended as it did (failure, breach, rejection). */
  reason?: string;
}


export interface DeployServiceResult {
  phase: DeploymentPhase;
  reason?: string;
  release?: ReleaseRecord;
  progress: DeploymentProgress;
}

/** A Slack user as this deployment knows them: deployer.yaml's slackUsers as the deployment was started with. */
export interface SlackApprover {
  /** The identity the Slack user id maps to; undefined when deployer.yaml does not list them. */
  identity?: string;
  /** Identities that may approve (people and members of groups). */
  approvers: string[];
}

export const progressQuery = defineQuery<DeploymentProgress>('progress');
/** Maps a Slack user id (the signed request's user) to an identity, for the Slack app's approval buttons. */
export const slackApproverQuery = defineQuery<SlackApprover, [string]>('slackApprover');
export const approvalUpdate = defineUpdate<ApprovalState, [ApprovalDecision]>('approval');
/** Promotes (approve) or aborts a running canary: a decision whose claims name its component and step. */
export const canaryDecisionUpdate = defineUpdate<CanaryProgress, [ApprovalDecision]>('canaryDecision');
