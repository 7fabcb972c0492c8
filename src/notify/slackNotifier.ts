// The Web API client alone: the worker posts notifications, it does not run the Bolt app.
import { WebClient } from '@slack/web-api';
import { LogNotifier, type DeploymentNotification, type Notifier } from './notifier';
import { notificationMessage } from './slackMessages';

export interface SlackNotifierOptions {
  /** Bot token (xoxb-...) of the deployer Slack app, with the chat:write scope. */
  token: string;
  /** Web API base URL; Slack's by default (tests point it at a local fake). */
  slackApiUrl?: string;
  /** Where notifications of services without notifications.slack.channel in service.yaml go; skipped when unset. */
  defaultChannel?: string;
}

/**
 * Posts notifications to the service's Slack channel (chat.postMessage), approval requests with
 * Approve / Reject buttons that the Slack app in slack/ answers. Best effort: a few quick retries, then
 * the failure is logged, because a Slack outage must not fail (and so roll back) a deployment.
 */
export class SlackNotifier implements Notifier {
  private readonly client: WebClient;
  private readonly defaultChannel?: string;

  constructor(options: SlackNotifierOptions) {
    // The notify activity has a minute; Slack's default retry policy would outlast it by half an hour.
    this.client = new WebClient(options.token, {
      slackApiUrl: options.slackApiUrl,
      timeout: 10_000,
      // A rate-limited post fails at once instead of sleeping out Retry-After past the activity's timeout.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    });
    this.defaultChannel = options.defaultChannel;
  }

  async notify(notification: DeploymentNotification): Promise<void> {
    const where = `${notification.type} ${notification.stack}/${notification.environment}/${notification.service}`;
    const channel = notification.channel ?? this.defaultChannel;
    if (!channel) {
      console.log(`[notify] ${where}: not posted, no Slack channel (set notifications.slack.channel in service.yaml): ${notification.message}`);
      return;
    }
    try {
      await this.client.chat.postMessage({ channel, ...notificationMessage(notification), unfurl_links: false, unfurl_media: false });
    } catch (error) {
      console.error(`[notify] ${where}: Slack did not take it for ${channel} (${(error as Error).message}): ${notification.message}`);
    }
  }
}

/** The worker's notifier: Slack when SLACK_BOT_TOKEN is set, else JSON lines in `logFile`. */
export function notifierFromEnv(logFile: string, env: NodeJS.ProcessEnv = process.env): Notifier {
  if (!env.SLACK_BOT_TOKEN) return new LogNotifier(logFile);
  return new SlackNotifier({ token: env.SLACK_BOT_TOKEN, slackApiUrl: env.SLACK_API_URL || undefined, defaultChannel: env.SLACK_DEFAULT_CHANNEL || undefined });
}
