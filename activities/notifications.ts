import type { DeploymentNotification } from '../src/notify/notifier';
import type { DeploymentPorts } from './ports';

/** Telling people: the service's Slack channel and the worker's log (worker/ports.ts). */
export function createNotificationActivities(ports: Pick<DeploymentPorts, 'notifier'>) {
  return {
    async notify(notification: DeploymentNotification): Promise<void> {
      await ports.notifier.notify(notification);
    },
  };
}
