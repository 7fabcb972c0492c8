import type { ReleaseRecord } from '../src/releases/releaseRecord';
import { forcedUnlockReason, RecordForcedUnlockInput, RecordForcedUnlockResult } from '../src/temporal/forcedUnlock';
import { quick } from './activityOptions';

/**
 * Records a forced unlock after `deployer unlock --force` terminated the deployment holding a
 * service's lock (a terminated workflow records nothing itself): a release record with result
 * `cancelled` and the reason, its settings and components taken from the service's last release
 * (skipped when the service was never released there), and a `lock-forced` notification.
 */
export async function recordForcedUnlock(input: RecordForcedUnlockInput): Promise<RecordForcedUnlockResult> {
  const { stack, environment, service } = input;
  const reason = forcedUnlockReason(input.by, input.reason);
  const last = await quick.lastRelease({ stack, environment, service });
  // The lock is already open; what is left to decide is whether the record may say who opened it.
  const proof = await quick
    .reviewRequest({ stack, environment, service, kind: 'unlock', version: input.version ?? '', requestedBy: input.by, request: input.request })
    .then((review) => review.requesterProof)
    .catch(() => 'claimed' as const);
  const who = proof === 'claimed' ? `${input.by} (identity not proven)` : input.by;
  const at = new Date().toISOString();
  if (last) {
    const release: ReleaseRecord = {
      stack,
      environment,
      service,
      version: input.version ?? last.version,
      deployedBy: input.heldBy ?? 'unknown',
      startedAt: input.startedAt,
      finishedAt: at,
      result: 'cancelled',
      reason,
      workflowId: input.workflowId,
      // What runs is what the last release left, as far as deployer knows: the ended deployment recorded nothing.
      components: last.components,
      serviceSpec: last.serviceSpec,
      environmentSpec: last.environmentSpec,
      groups: last.groups,
      forcedBy: { identity: input.by, proof },
    };
    await quick.recordRelease(release);
  }
  const ended = `${input.heldBy ?? 'someone'}'s deployment${input.version ? ` of ${input.version}` : ''}${input.phase ? ` (${input.phase})` : ''}`;
  await quick.notify({
    type: 'lock-forced',
    stack,
    environment,
    service,
    version: input.version,
    by: input.by,
    message: `${who} forced the lock of ${service} in ${environment} open, ending ${ended}: ${input.reason}`,
    channel: last?.serviceSpec.notifications?.slack?.channel,
    workflowId: input.workflowId,
    at,
  });
  return { releaseRecorded: Boolean(last), notified: true };
}
