import type { ApprovalDecision } from './deployment';

export interface ApprovalPolicy {
  /** Names (identities) or group names from service.yaml. */
  approvers: string[];
  groups: Record<string, string[]>;
  requestedBy: string;
  allowSelfApproval: boolean;
  channels: ('cli' | 'slack')[];
  service: string;
  environment: string;
}

/** Identities allowed to approve: listed people plus the members of listed groups. */
export function approverIdentities(policy: Pick<ApprovalPolicy, 'approvers' | 'groups'>): string[] {
  return [...new Set(policy.approvers.flatMap((name) => policy.groups[name] ?? [name]))].sort();
}

/**
 * Why a decision may not be accepted, or undefined when it may. Runs as the approval Update's
 * validator, so a refused decision never enters the workflow's history.
 */
export function approvalProblem(decision: ApprovalDecision, policy: ApprovalPolicy): string | undefined {
  if (!policy.channels.includes(decision.channel) || (!policy.channels.includes('cli') && !decision.authenticated)) {
    return `approvals for ${policy.environment} must come through ${policy.channels.join(' or ')}, an authenticated channel; ${decision.channel} was used`;
  }
  const allowed = approverIdentities(policy);
  // The requester may always withdraw their own deployment.
  if (!decision.approve && decision.by === policy.requestedBy) return undefined;
  if (!allowed.includes(decision.by)) {
    return `${decision.by} is not an approver of ${policy.service}; ask one of: ${allowed.join(', ') || '(none listed in service.yaml)'}`;
  }
  if (decision.approve && decision.by === policy.requestedBy && !policy.allowSelfApproval) {
    return `${decision.by} requested this deployment and cannot approve it too (${policy.environment} does not allow self-approval); ask another approver: ${allowed.filter((identity) => identity !== decision.by).join(', ')}`;
  }
  return undefined;
}

/**
 * Whether an approval tap must be confirmed (Slack's confirm dialog on the Approve button) before it
 * is sent: the environment's `approval.confirm`, else only in production, where an accidental tap
 * ships to customers.
 */
export function approvalNeedsConfirmation(environment: string, settings: { confirm?: boolean }): boolean {
  return settings.confirm ?? environment === 'production';
}
