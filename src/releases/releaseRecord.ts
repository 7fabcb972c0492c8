import type { EnvironmentSpec, ServiceFile } from '../model/schema';
import type { DeploymentPolicy, DesiredComponent } from '../model/types';
import type { CanaryProgress } from './canary';

/** What was deployed of one component: enough to diff against and to deploy again on rollback. */
export type ReleasedComponent = DesiredComponent extends infer Component ? (Component extends DesiredComponent ? Omit<Component, 'source'> : never) : never;

/** Looks up what is released of a service (the release log's last good release). */
export type ReleasedLookup = (service: string) => ReleasedComponent[];

/** What a deployment is for. */
export type DeploymentKind = 'deploy' | 'rollback' | 'remediate' | 'decommission';

export type ReleaseResult = 'succeeded' | 'failed' | 'rolled_back' | 'cancelled' | 'rejected';

/** One deployment of one service in one environment: the durable history entry. */
export interface ReleaseRecord {
  stack: string;
  environment: string;
  service: string;
  version: string;
  commit?: string;
  deployedBy: string;
  startedAt: string;
  finishedAt: string;
  result: ReleaseResult;
  reason?: string;
  /** What the deployment was for. Records written before it was kept have none: they were deploys (see releaseKind). */
  kind?: DeploymentKind;
  /** How long it waited for a decision (when approval was required): apart from the time it took to deploy. */
  approval?: ApprovalWait;
  /** The Temporal workflow that made it, for `show` and the UI. */
  workflowId?: string;
  approvedBy?: { identity: string; channel: string };
  /** How the requester was proven (ssh signature, GitHub OIDC), or 'claimed'. */
  requesterProof?: string;
  /** A forced unlock ended this deployment: who forced it, and how they were proven ('claimed': not at all). */
  forcedBy?: { identity: string; proof: string };
  /** The rollback skipped approval because the requester is on deployer.yaml's breakGlass list. */
  breakGlass?: boolean;
  /** The checkout had uncommitted changes, or its commit was not on the reviewed branch (allowed only where no approval is required). */
  unreviewed?: boolean;
  /** The approval policy this deployment ran under, read from the reviewed branch. */
  policy?: DeploymentPolicy;
  /** The canaries it ran, step by step with their figures; none for a rolling update. */
  canaries?: CanaryProgress[];
  /** Components a cancelled or failed deployment applied (perhaps halfway): the next one re-applies them. */
  touched?: string[];
  /** Every component of the service as it runs after this deployment. */
  components: ReleasedComponent[];
  /** What the service and environment said then: a rollback needs no checkout of the repo. */
  serviceSpec: ServiceFile['spec'];
  environmentSpec: EnvironmentSpec;
  groups: Record<string, string[]>;
}

/** When approval was asked for, and when it was decided (or the wait ended without a decision: timeout, cancel). */
export interface ApprovalWait {
  requestedAt: string;
  decidedAt: string;
}

/** The kind of a record; records from before kinds were kept are deploys. */
export function releaseKind(record: Pick<ReleaseRecord, 'kind'>): DeploymentKind {
  return record.kind ?? 'deploy';
}

/** Time spent waiting for approval, in ms (0 when none was asked for). */
export function approvalWaitMs(record: Pick<ReleaseRecord, 'approval'>): number {
  return record.approval ? Math.max(0, Date.parse(record.approval.decidedAt) - Date.parse(record.approval.requestedAt)) : 0;
}

/** The deployment's own duration: start to finish, less the approval wait. */
export function workingMs(record: Pick<ReleaseRecord, 'startedAt' | 'finishedAt' | 'approval'>): number {
  return Math.max(0, Date.parse(record.finishedAt) - Date.parse(record.startedAt) - approvalWaitMs(record));
}
