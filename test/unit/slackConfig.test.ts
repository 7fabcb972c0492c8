import { slackConfigFromEnv } from '../../slack/config';

describe('Slack app settings from the environment', () => {
  const DEPLOYER_SLACK_DECISION_KEY = 'k'.repeat(64);

  it('HTTP mode with a signing secret; Temporal settings as the worker reads them', () => {
    expect(
      slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's3', PORT: '8080', DEPLOYER_REPO: '/repo', DEPLOYER_SLACK_DECISION_KEY, DEPLOYER_TEMPORAL_ADDRESS: 'temporal:7233', DEPLOYER_TEMPORAL_NAMESPACE: 'deploys' }),
    ).toEqual({ token: 'xoxb-1', signingSecret: 's3', port: 8080, repo: '/repo', decisionKey: DEPLOYER_SLACK_DECISION_KEY, temporal: { address: 'temporal:7233', namespace: 'deploys', tls: false } });
  });

  it('Socket Mode when an app token is set, with no signing secret needed', () => {
    expect(slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'http://127.0.0.1:9/api/', DEPLOYER_SLACK_DECISION_KEY })).toMatchObject({ appToken: 'xapp-1', signingSecret: undefined, port: 3000, slackApiUrl: 'http://127.0.0.1:9/api/' });
  });

  it('names what is missing or wrong', () => {
    expect(() => slackConfigFromEnv({})).toThrow(/^SLACK_BOT_TOKEN is not set/);
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/^set SLACK_SIGNING_SECRET \(HTTP mode.*or SLACK_APP_TOKEN \(Socket Mode/);
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toThrow(/^DEPLOYER_SLACK_DECISION_KEY is not set \(or shorter than 32 characters\)/);
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', DEPLOYER_SLACK_DECISION_KEY: 'short' })).toThrow(/^DEPLOYER_SLACK_DECISION_KEY is not set/);
    expect(() => slackConfigFromEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: 'http', DEPLOYER_SLACK_DECISION_KEY })).toThrow('PORT must be a TCP port number, not "http"');
  });
});
