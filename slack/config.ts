import { temporalSettingsFromEnv, TemporalSettings } from '../src/temporal/connection';
import { SLACK_DECISION_KEY_ENV } from '../src/trust/slackDecisionKey';

/** The Slack app's settings, from its environment. */
export interface SlackAppConfig {
  token: string;
  signingSecret?: string;
  appToken?: string;
  /** HTTP port (HTTP mode). */
  port: number;
  slackApiUrl?: string;
  repo?: string;
  decisionKey: string;
  temporal: TemporalSettings;
}

/**
 * SLACK_BOT_TOKEN (required); SLACK_SIGNING_SECRET for HTTP mode or SLACK_APP_TOKEN for Socket Mode;
 * DEPLOYER_SLACK_DECISION_KEY (shared with the worker); PORT (default 3000); SLACK_API_URL;
 * DEPLOYER_REPO for `/deployer status`; DEPLOYER_TEMPORAL_* as
 * the worker reads them. A missing setting is an error that names the variable.
 */
export function slackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SlackAppConfig {
  const token = env.SLACK_BOT_TOKEN;
  if (!token) throw new Error('SLACK_BOT_TOKEN is not set: the bot token (xoxb-...) from the Slack app\'s "OAuth & Permissions" page');
  const signingSecret = env.SLACK_SIGNING_SECRET || undefined;
  const appToken = env.SLACK_APP_TOKEN || undefined;
  if (!signingSecret && !appToken) {
    throw new Error('set SLACK_SIGNING_SECRET (HTTP mode: the "Signing Secret" from the Slack app\'s "Basic Information") or SLACK_APP_TOKEN (Socket Mode: an app-level token, xapp-...)');
  }
  const decisionKey = env[SLACK_DECISION_KEY_ENV];
  if (!decisionKey || decisionKey.length < 32) {
    throw new Error(`${SLACK_DECISION_KEY_ENV} is not set (or shorter than 32 characters): a random secret the Slack app signs approval decisions with; give the worker the same value (e.g. openssl rand -hex 32)`);
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a TCP port number, not "${env.PORT}"`);
  return {
    token,
    signingSecret,
    appToken,
    port,
    slackApiUrl: env.SLACK_API_URL || undefined,
    repo: env.DEPLOYER_REPO || undefined,
    decisionKey,
    temporal: temporalSettingsFromEnv(env),
  };
}
