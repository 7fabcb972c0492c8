import fs from 'node:fs';
import path from 'node:path';
import type { ComponentChange } from '../plan/diff';
import type { FieldDriftReport } from '../temporal/drift';

export type NotificationType = 'started' | 'awaiting-approval' | 'canary' | 'succeeded' | 'failed' | 'rolled-back' | 'rejected' | 'timed-out' | 'cancelled' | 'drift' | 'lock-forced' | 'stale-lock-cleared';

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
  /** Structured facts behind `message`, for notifiers that lay them out (Slack). */
  details?: NotificationDetails;
}

/** What a notification's type needs beyond its one line; filled where the notification is created. */
export interface NotificationDetails {
  /** The plan's component changes, removals included (awaiting-approval): what an approver accepts. */
  changes?: ComponentChange[];
  /** Estimated monthly cost, USD, before and after the plan (awaiting-approval). */
  cost?: { current: number; new: number; delta: number };
  /** Who may approve (people and groups as service.yaml lists them), until when, and whether a tap needs confirming. */
  /** runId and planHash bind the buttons to this run's plan: a stale message cannot approve a later deployment. */
  approval?: { approvers: string[]; deadline?: string; confirm: boolean; runId?: string; planHash?: string };
  /** A canary waiting at a manual step (canary): the buttons promote or abort that component's canary at that step of this run's plan. */
  canary?: { runId: string; planHash: string; component: string; step: number };
  /** How long the deployment took (succeeded). */
  durationSeconds?: number;
  /** What ended the deployment (rolled-back, failed): the reason, and the monitoring values when a threshold was breached. */
  trigger?: { reason: string; breach?: { errorRatePercent: number; p99LatencyMs: number; unhealthy: string[]; thresholds: { errorRatePercent: number; p99LatencyMs: number } } };
  /** The new findings (drift); values as drift reports show them, secrets as `(secret)`. */
  drift?: { component: string; kind: string; field?: Pick<FieldDriftReport, 'field' | 'desired' | 'actual' | 'severity' | 'cause'> }[];
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
