import { App, LogLevel } from '@slack/bolt';
import { registerListeners } from './listeners';
import type { ListenerDeps } from './listeners/deps';

export interface SlackAppOptions extends ListenerDeps {
  /** Bot token (xoxb-...): scopes chat:write and commands. */
  token: string;
  /** Verifies that HTTP requests come from Slack (HTTP mode). */
  signingSecret?: string;
  /** App-level token (xapp-...): Socket Mode when set, so no public URL is needed. */
  appToken?: string;
  /** Web API base URL; Slack's by default (tests point it at a local fake). */
  slackApiUrl?: string;
  logLevel?: LogLevel;
}

/**
 * The deployer Slack app: approval buttons and `/deployer`. Over HTTP (POST /slack/events; Bolt's
 * HTTPReceiver answers 401 to a request whose signature does not match the signing secret or whose
 * timestamp is more than five minutes old), or over Socket Mode when an app token is given. The bot
 * token is checked (auth.test) before this returns, so a wrong token fails at start-up, not at the
 * first click. Start it with `app.start(port)`; `app.stop()` ends it.
 */
export async function createSlackApp(options: SlackAppOptions): Promise<App> {
  const socketMode = Boolean(options.appToken);
  if (!socketMode && !options.signingSecret) throw new Error('the Slack app needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
  const app = new App({
    token: options.token,
    signingSecret: socketMode ? undefined : options.signingSecret,
    appToken: options.appToken,
    socketMode,
    clientOptions: options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : undefined,
    // Socket Mode asks for its socket (apps.connections.open) with a client of its own.
    installerOptions: options.slackApiUrl ? { clientOptions: { slackApiUrl: options.slackApiUrl } } : undefined,
    logLevel: options.logLevel ?? LogLevel.INFO,
    deferInitialization: true,
  });
  await app.init();
  registerListeners(app, { temporal: options.temporal, repo: options.repo, taskQueue: options.taskQueue, decisionKey: options.decisionKey });
  return app;
}
