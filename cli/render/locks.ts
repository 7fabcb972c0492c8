// What `deployer state locks` and `deployer unlock` print. Pure: no Temporal, so the exact
// strings are unit-tested. Holders, versions and reasons are other people's: printed through printable().
import { printable } from '../../src/client/render/format';

/** The stack and environment a lock command looks at, optionally one service. */
export interface LockScope {
  stack: string;
  environment: string;
  service?: string;
}

/** A service's lock: the running deployService workflow that holds it. */
export interface HeldLock {
  stack: string;
  environment: string;
  service: string;
  /** Who started the deployment (DeployedBy). */
  heldBy?: string;
  version?: string;
  /** deploy, rollback or remediate, when the workflow answered its progress query. */
  kind?: string;
  /** When the deployment started (ISO 8601). */
  since: string;
  phase: string;
  /** `progress`: the workflow answered its progress query; `search-attribute`: its last recorded DeployStatus. */
  phaseSource: 'progress' | 'search-attribute';
  workflowId: string;
  runId: string;
  /** The workflow in the Temporal UI, when the UI is known. */
  url?: string;
}

/** A lock that `unlock --force` dealt with. */
export interface EndedLock extends HeldLock {
  /** False when the deployment had finished by itself before it could be ended. */
  terminated: boolean;
  /** What the worker recorded: a release record (when the service had one before) and a notification; `pending` if no worker answered in time. */
  record?: { releaseRecorded: boolean; notified: boolean } | 'pending';
  /** Why recording it failed (the deployment was ended all the same). */
  recordError?: string;
  recordWorkflowId?: string;
}

export function scopeLabel(scope: LockScope): string {
  return `${scope.stack} (${scope.environment})`;
}

export function noLocksMessage(scope: LockScope): string {
  return scope.service ? `No lock held on ${scope.service} in ${scopeLabel(scope)}.` : `No locks held on ${scopeLabel(scope)}.`;
}

/** `2025-01-05 10:12:03 UTC (12 minutes ago)`. */
export function formatSince(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (${ago(now.getTime() - at.getTime())})`;
}

/** `12 seconds ago`, `1 minute ago`, `95 minutes ago`, `3 hours ago`, `2 days ago`. */
export function ago(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const unit = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'} ago`;
  if (seconds < 60) return unit(seconds, 'second');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return unit(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return unit(hours, 'hour');
  return unit(Math.floor(hours / 24), 'day');
}

/** `alice@company.com (deploying v1.2.0)`. */
function holder(lock: HeldLock): string {
  const what = activity(lock);
  return `${lock.heldBy ?? 'unknown'}${what ? ` (${what})` : ''}`;
}

/** `deploying v1.2.0`, `rolling back to v1.1.0`, `remediating v1.2.0`. */
function activity(lock: Pick<HeldLock, 'kind' | 'version'>): string {
  if (lock.kind === 'rollback') return `rolling back to ${lock.version ?? 'an earlier release'}`;
  if (lock.kind === 'remediate') return `remediating${lock.version ? ` ${lock.version}` : ''}`;
  return `deploying${lock.version ? ` ${lock.version}` : ''}`;
}

/** `deployment of v1.2.0`, `rollback to v1.1.0`. */
function deploymentNoun(lock: Pick<HeldLock, 'kind' | 'version'>): string {
  if (lock.kind === 'rollback') return `rollback to ${lock.version ?? 'an earlier release'}`;
  return `deployment${lock.version ? ` of ${lock.version}` : ''}`;
}

function phase(lock: HeldLock): string {
  return lock.phaseSource === 'progress' ? lock.phase : `${lock.phase} (last recorded status; the workflow did not answer: is a worker running?)`;
}

function lockLines(lock: HeldLock, now: Date): string[] {
  return [
    lock.service,
    `  Held by:   ${holder(lock)}`,
    `  Since:     ${formatSince(lock.since, now)}`,
    `  Phase:     ${phase(lock)}`,
    `  Workflow:  ${lock.workflowId}`,
    ...(lock.url ? [`  UI:        ${lock.url}`] : []),
  ];
}

/**
 * The `state locks` listing: one block per held lock, then how to end a stale one. Not a box: the
 * UI links are long, and a box that wraps in the terminal is unreadable.
 */
export function renderLocks(locks: HeldLock[], scope: LockScope, now: Date): string {
  if (locks.length === 0) return noLocksMessage(scope);
  const lines = [`Locks held on ${scopeLabel(scope)}: ${locks.length}`];
  for (const lock of locks) lines.push('', ...lockLines(lock, now));
  const service = locks.length === 1 ? locks[0]!.service : '<service>';
  lines.push(
    '',
    `A lock is a running deployment. Wait for it (deployer status --service ${service} --environment ${scope.environment} --follow), or end a stale one:`,
    `  ${unlockCommand(scope.stack, scope.environment, service)}`,
  );
  if (!locks.some((lock) => lock.url)) lines.push('(For Temporal UI links, set DEPLOYER_TEMPORAL_UI or temporal.uiUrl in the config file.)');
  return lines.map(printable).join('\n');
}

export function unlockCommand(stack: string, environment: string, service: string): string {
  return `deployer unlock --stack ${stack} --environment ${environment} --service ${service} --force --reason "<why>"`;
}

/** One line about a held lock, for messages: who deploys what, since when, in which phase. */
export function describeLock(lock: HeldLock, now: Date): string {
  return `${lock.heldBy ?? 'someone'} is ${activity(lock)} since ${formatSince(lock.since, now)}, phase ${lock.phase}, workflow ${lock.workflowId}`;
}

/** `unlock` without --force: what holds the lock, what --force would do, and the command. Nothing is touched. */
export function unlockRefusal(locks: HeldLock[], scope: LockScope, now: Date): string {
  const held = locks.map((lock) => `  ${lock.service}: ${describeLock(lock, now)}`);
  const target = locks.length === 1 ? locks[0]!.service : `all ${locks.length} of them`;
  return [
    `${locks.length === 1 ? 'a lock is' : `${locks.length} locks are`} held on ${scopeLabel(scope)}; nothing was changed:`,
    ...held,
    `--force ends ${locks.length === 1 ? 'that deployment' : 'those deployments'}: the workflow is terminated where it stands (no rollback, no approval), ` +
      'a Pulumi operation in flight finishes its current step and stops, and who did it and why is recorded (release record and notification). ' +
      `If it is not stale, wait for it instead (deployer status --service ${locks[0]!.service} --environment ${scope.environment} --follow).`,
    `To end ${target}:`,
    `  deployer unlock --stack ${scope.stack} --environment ${scope.environment}${scope.service || locks.length === 1 ? ` --service ${locks[0]!.service}` : ''} --force --reason "<why>"`,
  ]
    .map(printable)
    .join('\n');
}

/** What `unlock --force` did. */
export function renderUnlocked(ended: EndedLock[], scope: LockScope, by: string, reason: string, now: Date): string {
  if (ended.length === 0) return `${noLocksMessage(scope)} Nothing to unlock.`;
  const lines = [`Forced unlock on ${scopeLabel(scope)} by ${by}: ${reason}`];
  for (const lock of ended) {
    if (!lock.terminated) {
      lines.push(`  - ${lock.service}: its deployment (workflow ${lock.workflowId}) had already finished; the lock is free, nothing was ended.`);
      continue;
    }
    const what = `${lock.heldBy ?? 'someone'}'s ${deploymentNoun(lock)}`;
    lines.push(`✓ ${lock.service}: ended ${what} (phase ${lock.phase}, started ${ago(now.getTime() - Date.parse(lock.since))}); workflow ${lock.workflowId} terminated. The lock is free.`);
    if (lock.recordError) {
      lines.push(`    ⚠ Recording this unlock failed: ${lock.recordError} (workflow ${lock.recordWorkflowId}); the deployment was ended all the same.`);
    } else if (lock.record === 'pending') {
      lines.push(`    The record of this unlock is pending: no worker answered yet; it is written when one runs (workflow ${lock.recordWorkflowId}).`);
    } else if (lock.record) {
      lines.push(`    Recorded: ${lock.record.releaseRecorded ? 'a release record (cancelled) and ' : ''}a lock-forced notification${lock.record.releaseRecorded ? '' : ' (no release record: the service was never released here)'}.`);
    }
    if (['deploying', 'rolling-back', 'verifying'].includes(lock.phase)) {
      lines.push(
        `    ⚠ It was ${lock.phase}: a Pulumi operation in flight finishes its current resource step and stops. Check what runs with \`deployer plan --stack ${lock.stack} --service ${lock.service} --environment ${lock.environment}\` and apply again.`,
      );
    }
  }
  return lines.map(printable).join('\n');
}

/** A command refused because the service's lock is held (`action`: what could not be done, e.g. `roll back`). */
export function lockedMessage(action: string, lock: Pick<HeldLock, 'stack' | 'environment' | 'service' | 'workflowId'> & Partial<HeldLock> & { canary?: string }, now: Date): string {
  const what = `${lock.heldBy ?? 'someone'} is ${activity(lock)}${lock.since ? ` since ${formatSince(lock.since, now)}` : ''}`;
  // A running canary has a quicker way back than waiting: aborting it.
  const canary = lock.canary ? `It runs a canary of ${lock.canary}: \`deployer abort --service ${lock.service} --environment ${lock.environment}\` sends every request back to the stable version and rolls it back. ` : '';
  return (
    `cannot ${action} now: ${lock.service} in ${lock.environment} is locked: ${what} (workflow ${lock.workflowId}). ${canary}` +
    `Wait for it (deployer status --service ${lock.service} --environment ${lock.environment} --follow), or if it is stale: ${unlockCommand(lock.stack, lock.environment, lock.service)}`
  );
}
