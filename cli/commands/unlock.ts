import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { environmentFlag, serviceFlag, stackFlag } from '../flags';

export default class Unlock extends BaseCommand {
  static override summary = 'End the deployment holding a service lock (a stale lock), recording who did it and why.';
  static override description =
    'A lock is a running deployment. Without --force this only explains what holds the lock and exits 2; nothing is touched. ' +
    'With --force it terminates the deployment(s) holding the lock: one service with --service, else every lock in the stack and environment. ' +
    'The workflow is terminated with the reason "forced unlock by <you>: <reason>" and your identity; the worker records a release record (result cancelled, when the service was released before) and a lock-forced notification. ' +
    'A Pulumi operation in flight is not killed: the worker sees the workflow gone at its next heartbeat (about a second) and interrupts the engine, which finishes its current resource step and stops. ' +
    'Exit codes: 0 ended (or no lock held), 1 Temporal unreachable or the unlock could not be recorded, 2 usage (including no --force).';
  static override examples = [
    '<%= config.bin %> unlock --stack user-platform --environment production',
    '<%= config.bin %> unlock --stack user-platform --environment production --service notification-service --force --reason "worker lost, deployment stuck"',
  ];
  static override flags = {
    stack: stackFlag({ description: 'Stack.', required: true }),
    environment: environmentFlag({ required: true }),
    service: serviceFlag({ description: 'Only this service\'s lock (default: every lock in the stack and environment).' }),
    force: Flags.boolean({ description: 'Really end the deployment(s) holding the lock.', default: false }),
    reason: Flags.string({ description: 'Why (required with --force when a lock is held); recorded in the workflow history, the release record and the notification.' }),
  };

  async run() {
    const { flags } = await this.parse(Unlock);
    // Loaded on use: oclif reads every command's flags at start-up, and Temporal's client is heavy.
    const { checkName, forceUnlock, listLocks } = await import('../locks');
    const { noLocksMessage, renderUnlocked, unlockRefusal } = await import('../render/locks');
    const { connectTemporal } = await import('../temporalClient');
    const { temporalUiUrl } = await import('../temporalUi');
    const { currentIdentity } = await import('../identity');
    const { DeployerError } = await import('../../src/errors');
    const { Client } = await import('@temporalio/client');
    const scope = { stack: checkName('stack', flags.stack), environment: checkName('environment', flags.environment), service: flags.service === undefined ? undefined : checkName('service', flags.service) };
    const by = currentIdentity(process.env);
    const reason = flags.reason?.trim() ?? '';
    const { client: plain, settings, close } = await connectTemporal(flags);
    try {
      const locks = await listLocks(plain, scope, { namespace: settings.namespace, uiUrl: temporalUiUrl(settings) });
      if (locks.length === 0) {
        this.log(`${noLocksMessage(scope)} Nothing to unlock.`);
        return { ended: [], by, reason };
      }
      if (!flags.force) throw new DeployerError(unlockRefusal(locks, scope, new Date()), 'FORCE_REQUIRED');
      // Ending someone's deployment is recorded and notified; "why" is what the team reads there.
      if (!reason) throw new DeployerError(`a forced unlock needs a reason: add --reason "<why>" (it goes into the workflow history, the release record and the notification)`, 'REASON_REQUIRED');
      // The user's identity on the client, so the terminated workflow's history says who ended it.
      const client = new Client({ connection: plain.connection, namespace: settings.namespace, identity: by });
      const ended = await forceUnlock(client, locks, { by, reason });
      this.log(renderUnlocked(ended, scope, by, reason, new Date()));
      const failed = ended.filter((lock) => lock.recordError);
      if (failed.length) {
        throw new DeployerError(`the lock${failed.length === 1 ? ' was' : 's were'} forced open, but recording it failed for ${failed.map((lock) => lock.service).join(', ')}: ${failed[0]!.recordError}`, 'RECORD_FAILED');
      }
      return { ended, by, reason };
    } finally {
      await close();
    }
  }
}
