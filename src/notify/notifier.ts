import fs from 'node:fs';
import path from 'node:path';

export type NotificationType = 'started' | 'awaiting-approval' | 'succeeded' | 'failed' | 'rolled-back' | 'rejected' | 'timed-out' | 'cancelled' | 'drift' | 'lock-forced';

/** Something people watching a service should hear about; never carries secret values. */
export interface DeploymentNotification {
  type: NotificationType;
  stack: string;
  environment: string;
  service: string;
  version?: string;
  by?: string;
  /** One line for humans: what happened and why. */
  message: string;
  /** The service's Slack channel from service.yaml, for notifiers that post. */
  channel?: string;
  workflowId?: string;
  at: string;
}

/** The notification port: Slack in production; a log until a Slack app is configured. */
export interface Notifier {
  notify(notification: DeploymentNotification): Promise<void>;
}

/** Writes notifications as JSON lines (the worker's log and `<state>/notifications.jsonl`). */
export class LogNotifier implements Notifier {
  constructor(private readonly file: string) {}

  async notify(notification: DeploymentNotification): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${JSON.stringify(notification)}\n`);
    console.log(`[notify] ${notification.type} ${notification.stack}/${notification.environment}/${notification.service}: ${notification.message}`);
  }
}
