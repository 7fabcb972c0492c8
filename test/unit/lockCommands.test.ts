import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
  RetryState,
  TerminatedFailure,
} from '@temporalio/common';
import { checkName, locksQuery } from '../../cli/locks';
import { ago, EndedLock, formatSince, HeldLock, lockedMessage, noLocksMessage, renderLocks, renderUnlocked, unlockRefusal } from '../../cli/render/locks';
import { formatDuration, renderRollback, renderRollbackStarted, rollbackFailedMessage, RollbackOutcome, rollbackWaiting } from '../../cli/render/rollback';
import { isLockConflict, outcomeOf, rollbackError, rollbackWorkflowId } from '../../cli/rollback';
import { temporalUiUrl, workflowUrl } from '../../cli/temporalUi';
import type { DeployServiceResult } from '../../src/temporal/deployment';
import { forcedUnlockReason, forcedUnlockWorkflowId } from '../../src/temporal/forcedUnlock';
import { DeployerError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

const now = new Date('2025-01-05T10:24:30Z');
const scope = { stack: 'user-platform', environment: 'production' };
const url = 'http://127.0.0.1:8233/namespaces/default/workflows/deploy%2Fuser-platform%2Fproduction%2Fnotification-service';
const lock: HeldLock = {
  stack: 'user-platform',
  environment: 'production',
  service: 'notification-service',
  heldBy: 'alice@company.com',
  version: 'v1.2.0',
  kind: 'deploy',
  since: '2025-01-05T10:12:03.456Z',
  phase: 'awaiting-approval',
  phaseSource: 'progress',
  workflowId: 'deploy/user-platform/production/notification-service',
  runId: 'run-1',
  url,
};
const userService: HeldLock = {
  ...lock,
  service: 'user-service',
  heldBy: 'bob@company.com',
  version: 'v2.0.0',
  kind: undefined,
  since: '2025-01-05T07:00:00Z',
  phase: 'deploying',
  phaseSource: 'search-attribute',
  workflowId: 'deploy/user-platform/production/user-service',
  url: undefined,
};

describe('lock listing', () => {
  it('says how long ago, in the largest sensible unit', () => {
    expect([0, 1000, 59_999, 60_000, 119_000, 12 * 60_000, 119 * 60_000, 120 * 60_000, 47 * 3600_000, 48 * 3600_000, -5000].map(ago)).toEqual([
      '0 seconds ago',
      '1 second ago',
      '59 seconds ago',
      '1 minute ago',
      '1 minute ago',
      '12 minutes ago',
      '119 minutes ago',
      '2 hours ago',
      '47 hours ago',
      '2 days ago',
      '0 seconds ago',
    ]);
    expect(formatSince('2025-01-05T10:12:03.456Z', now)).toBe('2025-01-05 10:12:03 UTC (12 minutes ago)');
    expect(formatSince('not a date', now)).toBe('not a date');
  });

  it('queries running deployService workflows of the scope, and accepts only repo-style names', () => {
    expect(locksQuery(scope)).toBe("WorkflowType='deployService' AND ExecutionStatus='Running' AND Stack='user-platform' AND Environment='production'");
    expect(locksQuery({ ...scope, service: 'notification-service' })).toBe(
      "WorkflowType='deployService' AND ExecutionStatus='Running' AND Stack='user-platform' AND Environment='production' AND Service='notification-service'",
    );
    expect(checkName('stack', 'user-platform')).toBe('user-platform');
    const error = (() => {
      try {
        checkName('environment', "prod' OR 1=1");
      } catch (caught) {
        return caught as DeployerError;
      }
    })()!;
    expect({ code: error.code, exitCode: exitCodeOf(error), message: error.message }).toEqual({
      code: 'BAD_NAME',
      exitCode: EXIT.usage,
      message: `--environment "prod' OR 1=1" is not a valid name: lowercase letters, digits and dashes, starting with a letter.`,
    });
  });

  it('renders no locks', () => {
    expect(renderLocks([], scope, now)).toBe('No locks held on user-platform (production).');
    expect(noLocksMessage({ ...scope, service: 'user-service' })).toBe('No lock held on user-service in user-platform (production).');
  });

  it('renders each lock: holder, since, phase, workflow and UI link, then how to end a stale one', () => {
    expect(renderLocks([lock], scope, now)).toBe(
      [
        'Locks held on user-platform (production): 1',
        '',
        'notification-service',
        '  Held by:   alice@company.com (deploying v1.2.0)',
        '  Since:     2025-01-05 10:12:03 UTC (12 minutes ago)',
        '  Phase:     awaiting-approval',
        '  Workflow:  deploy/user-platform/production/notification-service',
        `  UI:        ${url}`,
        '',
        'A lock is a running deployment. Wait for it (deployer status --service notification-service --environment production --follow), or end a stale one:',
        '  deployer unlock --stack user-platform --environment production --service notification-service --force --reason "<why>"',
      ].join('\n'),
    );
  });

  it('says when the phase is only the last recorded status, and where UI links come from when there are none', () => {
    const rollback: HeldLock = { ...userService, service: 'billing', kind: 'rollback', version: 'v0.9.0', phaseSource: 'progress', phase: 'verifying', workflowId: 'deploy/user-platform/production/billing' };
    expect(renderLocks([rollback, userService], scope, now)).toBe(
      [
        'Locks held on user-platform (production): 2',
        '',
        'billing',
        '  Held by:   bob@company.com (rolling back to v0.9.0)',
        '  Since:     2025-01-05 07:00:00 UTC (3 hours ago)',
        '  Phase:     verifying',
        '  Workflow:  deploy/user-platform/production/billing',
        '',
        'user-service',
        '  Held by:   bob@company.com (deploying v2.0.0)',
        '  Since:     2025-01-05 07:00:00 UTC (3 hours ago)',
        '  Phase:     deploying (last recorded status; the workflow did not answer: is a worker running?)',
        '  Workflow:  deploy/user-platform/production/user-service',
        '',
        'A lock is a running deployment. Wait for it (deployer status --service <service> --environment production --follow), or end a stale one:',
        '  deployer unlock --stack user-platform --environment production --service <service> --force --reason "<why>"',
        '(For Temporal UI links, set DEPLOYER_TEMPORAL_UI or temporal.uiUrl in the config file.)',
      ].join('\n'),
    );
  });
});

describe('unlock', () => {
  it('without --force explains what holds the lock and what --force would do', () => {
    expect(unlockRefusal([lock], scope, now)).toBe(
      [
        'a lock is held on user-platform (production); nothing was changed:',
        '  notification-service: alice@company.com is deploying v1.2.0 since 2025-01-05 10:12:03 UTC (12 minutes ago), phase awaiting-approval, workflow deploy/user-platform/production/notification-service',
        '--force ends that deployment: the workflow is terminated where it stands (no rollback, no approval), a Pulumi operation in flight finishes its current step and stops, ' +
          'and who did it and why is recorded (release record and notification). If it is not stale, wait for it instead (deployer status --service notification-service --environment production --follow).',
        'To end notification-service:',
        '  deployer unlock --stack user-platform --environment production --service notification-service --force --reason "<why>"',
      ].join('\n'),
    );
    const two = unlockRefusal([lock, userService], scope, now).split('\n');
    expect(two[0]).toBe('2 locks are held on user-platform (production); nothing was changed:');
    expect(two[2]).toBe('  user-service: bob@company.com is deploying v2.0.0 since 2025-01-05 07:00:00 UTC (3 hours ago), phase deploying, workflow deploy/user-platform/production/user-service');
    expect(two[3]).toMatch(/^--force ends those deployments: /);
    expect(two.slice(4)).toEqual(['To end all 2 of them:', '  deployer unlock --stack user-platform --environment production --force --reason "<why>"']);
  });

  it('with --force reports what was ended and what was recorded', () => {
    const ended: EndedLock[] = [
      { ...lock, terminated: true, record: { releaseRecorded: true, notified: true }, recordWorkflowId: 'forced-unlock/a' },
      { ...userService, terminated: true, record: 'pending', recordWorkflowId: 'forced-unlock/b' },
      { ...lock, service: 'billing', workflowId: 'deploy/user-platform/production/billing', terminated: false },
      { ...lock, service: 'search', kind: 'rollback', terminated: true, recordError: 'activity timed out', recordWorkflowId: 'forced-unlock/c' },
    ];
    expect(renderUnlocked(ended, scope, 'carol@company.com', 'worker lost', now)).toBe(
      [
        'Forced unlock on user-platform (production) by carol@company.com: worker lost',
        "✓ notification-service: ended alice@company.com's deployment of v1.2.0 (phase awaiting-approval, started 12 minutes ago); workflow deploy/user-platform/production/notification-service terminated. The lock is free.",
        '    Recorded: a release record (cancelled) and a lock-forced notification.',
        "✓ user-service: ended bob@company.com's deployment of v2.0.0 (phase deploying, started 3 hours ago); workflow deploy/user-platform/production/user-service terminated. The lock is free.",
        '    The record of this unlock is pending: no worker answered yet; it is written when one runs (workflow forced-unlock/b).',
        '    ⚠ It was deploying: a Pulumi operation in flight finishes its current resource step and stops. Check what runs with `deployer plan --stack user-platform --service user-service --environment production` and apply again.',
        '  - billing: its deployment (workflow deploy/user-platform/production/billing) had already finished; the lock is free, nothing was ended.',
        "✓ search: ended alice@company.com's rollback to v1.2.0 (phase awaiting-approval, started 12 minutes ago); workflow deploy/user-platform/production/notification-service terminated. The lock is free.",
        '    ⚠ Recording this unlock failed: activity timed out (workflow forced-unlock/c); the deployment was ended all the same.',
      ].join('\n'),
    );
    expect(renderUnlocked([{ ...lock, terminated: true, record: { releaseRecorded: false, notified: true } }], scope, 'carol@company.com', 'no reason given', now).split('\n')[2]).toBe(
      '    Recorded: a lock-forced notification (no release record: the service was never released here).',
    );
    expect(renderUnlocked([], scope, 'carol@company.com', 'x', now)).toBe('No locks held on user-platform (production). Nothing to unlock.');
  });

  it('names the forced unlock the same way in the terminated history and the records', () => {
    expect(forcedUnlockReason('carol@company.com', 'stuck')).toBe('forced unlock by carol@company.com: stuck');
    expect(forcedUnlockWorkflowId('user-platform', 'production', 'notification-service', now)).toBe('forced-unlock/user-platform/production/notification-service/2025-01-05T10:24:30.000Z');
  });
});

describe('rollback', () => {
  const request = { stack: 'user-platform', environment: 'production', service: 'notification-service', requestedBy: 'bob@company.com', reason: 'error rate after v1.2.0' };
  const outcome: RollbackOutcome = {
    workflowId: 'rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z',
    stack: 'user-platform',
    environment: 'production',
    service: 'notification-service',
    phase: 'succeeded',
    version: 'v1.1.0',
    durationMs: 272_400,
    requestedBy: 'bob@company.com',
    reason: 'error rate after v1.2.0',
    changed: ['api'],
    url: 'http://127.0.0.1:8233/namespaces/default/workflows/rollback%2F...',
  };

  it('names its workflow by service and start time', () => {
    expect(rollbackWorkflowId('user-platform', 'production', 'notification-service', now)).toBe('rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z');
  });

  it('prints the version it returned to and how long it took', () => {
    expect([0, 42_400, 272_400, 3_723_000].map(formatDuration)).toEqual(['0m 0s', '0m 42s', '4m 32s', '1h 2m 3s']);
    expect(renderRollback(outcome)).toBe(
      [
        '✓ Rolled back notification-service in production to version v1.1.0 in 4m 32s.',
        '  Changed: api',
        '  Requested by: bob@company.com',
        '  Reason: error rate after v1.2.0',
        '  Workflow: rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z',
        '  Temporal UI: http://127.0.0.1:8233/namespaces/default/workflows/rollback%2F...',
      ].join('\n'),
    );
    expect(renderRollback({ ...outcome, phase: 'unchanged', changed: [], reason: undefined, url: undefined, durationMs: 1200 })).toBe(
      [
        '✓ notification-service in production already runs release v1.1.0; nothing to roll back (checked in 0m 1s).',
        '  Requested by: bob@company.com',
        '  Workflow: rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z',
      ].join('\n'),
    );
    expect(renderRollbackStarted({ ...request, toVersion: 'v1.1.0' }, outcome.workflowId)).toBe(
      [
        'Started rollback of notification-service in production (stack user-platform) to v1.1.0.',
        '  Workflow: rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z',
        '  Follow it: deployer status --service notification-service --environment production --follow',
      ].join('\n'),
    );
    expect(rollbackWaiting(request, outcome.workflowId)).toBe(
      'Rolling back notification-service in production (stack user-platform) to the previous good release; workflow rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z. Waiting for it to finish...',
    );
  });

  it('explains a rollback deployment that did not succeed', () => {
    expect(rollbackFailedMessage({ ...outcome, phase: 'rolled-back', reason: 'wave 1 health gate: not healthy after 120 s' })).toBe(
      'rolling notification-service in production back to v1.1.0 failed and was undone: wave 1 health gate: not healthy after 120 s. The service runs what it ran before the rollback (workflow rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z).',
    );
    expect(rollbackFailedMessage({ ...outcome, phase: 'failed', reason: 'monitoring breached: error rate 9% > 5%' })).toBe(
      'rolling notification-service in production back to v1.1.0 ended failed: monitoring breached: error rate 9% > 5% (workflow rollback/user-platform/production/notification-service/2025-01-05T10:24:30.000Z).',
    );
  });

  it('reads the outcome from the deployment result', () => {
    const result = {
      phase: 'succeeded',
      progress: {
        version: 'v1.1.0',
        startedAt: '2025-01-05T10:20:00.000Z',
        finishedAt: '2025-01-05T10:21:05.500Z',
        waves: [{ index: 1, state: 'done', components: [{ id: 'notification-service/api', kind: 'MicroService', action: 'update', state: 'done' }] }],
      },
    } as unknown as DeployServiceResult;
    expect(outcomeOf(result, request, 'rollback/x', 99_000)).toEqual({
      workflowId: 'rollback/x',
      stack: 'user-platform',
      environment: 'production',
      service: 'notification-service',
      phase: 'succeeded',
      version: 'v1.1.0',
      durationMs: 65_500,
      requestedBy: 'bob@company.com',
      reason: 'error rate after v1.2.0',
      changed: ['api'],
      url: undefined,
    });
  });

  it('recognises a lock conflict as the client receives it from the server', () => {
    // rollbackService turns the child's start conflict into a typed failure; round-trip it through the SDK's failure encoding.
    const converter = new DefaultFailureConverter();
    const sent = ApplicationFailure.nonRetryable('notification-service in production is locked by a running deployment (deploy/user-platform/production/notification-service)', 'ServiceLocked');
    const received = converter.failureToError(converter.errorToFailure(sent, defaultPayloadConverter), defaultPayloadConverter);
    expect(isLockConflict(new WorkflowFailedError('Workflow execution failed', received, RetryState.NON_RETRYABLE_FAILURE))).toBe(true);
    expect(isLockConflict(new WorkflowFailedError('Workflow execution failed', ApplicationFailure.nonRetryable('boom'), RetryState.NON_RETRYABLE_FAILURE))).toBe(false);
  });

  it('turns a failed rollback workflow into an error the user can act on', () => {
    const failed = (cause: Error) => new WorkflowFailedError('Workflow execution failed', cause, RetryState.NON_RETRYABLE_FAILURE);
    const noTarget = rollbackError(
      failed(
        new ActivityFailure(
          'Activity task failed',
          'findRollbackTarget',
          '1',
          RetryState.NON_RETRYABLE_FAILURE,
          'worker',
          ApplicationFailure.nonRetryable('notification-service has no successful release v9.9.9 in production; successful releases: v1.2.0, v1.1.0', 'NoRollbackTarget'),
        ),
      ),
      request,
      'rollback/x',
    ) as DeployerError;
    expect({ code: noTarget.code, exitCode: exitCodeOf(noTarget), message: noTarget.message }).toEqual({
      code: 'NO_ROLLBACK_TARGET',
      exitCode: EXIT.failure,
      message:
        'notification-service has no successful release v9.9.9 in production; successful releases: v1.2.0, v1.1.0. Nothing was changed. See the releases with `deployer history --service notification-service --environment production`.',
    });
    const child = (cause: Error) => new ChildWorkflowFailure('default', { workflowId: 'deploy/user-platform/production/notification-service', runId: 'r' }, 'deployService', RetryState.NON_RETRYABLE_FAILURE, cause);
    const ended = rollbackError(failed(child(new TerminatedFailure('forced unlock by carol@company.com: stuck'))), request, 'rollback/x') as DeployerError;
    expect({ code: ended.code, message: ended.message }).toEqual({
      code: 'ROLLBACK_ENDED',
      message: 'the rollback of notification-service in production was ended before it finished (terminated: forced unlock by carol@company.com: stuck; workflow rollback/x).',
    });
    const other = rollbackError(failed(child(ApplicationFailure.nonRetryable('service notification-service is not in stack user-platform', 'UnknownService'))), request, 'rollback/x') as DeployerError;
    expect({ code: other.code, exitCode: exitCodeOf(other), message: other.message }).toEqual({
      code: 'ROLLBACK_FAILED',
      exitCode: EXIT.failure,
      message: 'the rollback of notification-service in production failed: service notification-service is not in stack user-platform (workflow rollback/x).',
    });
    const network = new Error('14 UNAVAILABLE: connection refused');
    expect(rollbackError(network, request, 'rollback/x')).toBe(network);
  });

  it('names the lock holder when the service is locked', () => {
    expect(lockedMessage('roll back', { ...lock, kind: undefined }, now)).toBe(
      'cannot roll back now: notification-service in production is locked: alice@company.com is deploying v1.2.0 since 2025-01-05 10:12:03 UTC (12 minutes ago) (workflow deploy/user-platform/production/notification-service). ' +
        'Wait for it (deployer status --service notification-service --environment production --follow), or if it is stale: deployer unlock --stack user-platform --environment production --service notification-service --force --reason "<why>"',
    );
    expect(lockedMessage('roll back', { ...lock, kind: undefined, canary: 'notification-service/api' }, now)).toContain(
      '(workflow deploy/user-platform/production/notification-service). It runs a canary of notification-service/api: `deployer abort --service notification-service --environment production` sends every request back to the stable version and rolls it back. Wait for it',
    );
    expect(lockedMessage('roll back', { stack: 'user-platform', environment: 'production', service: 'notification-service', workflowId: 'deploy/x' }, now)).toMatch(
      /^cannot roll back now: notification-service in production is locked: someone is deploying \(workflow deploy\/x\)\. /,
    );
  });
});

describe('Temporal UI links', () => {
  const saved = { ...process.env };
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-ui-'));
    process.env.DEPLOYER_HOME = dir;
    process.env.DEPLOYER_CONFIG = path.join(dir, 'config.json');
    delete process.env.DEPLOYER_TEMPORAL_UI;
    fs.mkdirSync(path.join(dir, 'dev'));
    fs.writeFileSync(path.join(dir, 'dev', 'dev.json'), JSON.stringify({ temporalAddress: '127.0.0.1:41001', uiUrl: 'http://127.0.0.1:41002', namespace: 'default' }));
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes DEPLOYER_TEMPORAL_UI, else the config file, else Temporal Cloud, else the dev server it talks to', () => {
    expect(temporalUiUrl({ address: '127.0.0.1:41001' })).toBe('http://127.0.0.1:41002');
    expect(temporalUiUrl({ address: 'localhost:41001' })).toBe('http://127.0.0.1:41002');
    expect(temporalUiUrl({ address: 'temporal.internal:7233' })).toBeUndefined();
    expect(temporalUiUrl({ address: 'deployer.a1b2c.tmprl.cloud:7233' })).toBe('https://cloud.temporal.io');
    fs.writeFileSync(process.env.DEPLOYER_CONFIG!, JSON.stringify({ temporal: { address: 'temporal.internal:7233', uiUrl: 'https://temporal.internal/' } }));
    expect(temporalUiUrl({ address: 'temporal.internal:7233' })).toBe('https://temporal.internal');
    expect(temporalUiUrl({ address: 'temporal.internal:7233' }, { DEPLOYER_TEMPORAL_UI: 'http://ui:8080' })).toBe('http://ui:8080');
  });

  it('links a workflow by namespace and encoded id', () => {
    expect(workflowUrl('http://127.0.0.1:8233', 'default', 'deploy/user-platform/production/notification-service')).toBe(url);
    expect(workflowUrl(undefined, 'default', 'x')).toBeUndefined();
  });
});
