import net from 'node:net';
import { SlackNotifier } from '../../src/notify/slackNotifier';

const notification = { type: 'started' as const, stack: 's', environment: 'production', service: 'orders', message: 'deploying v1 (1 wave)', channel: '#orders', at: '2026-01-15T14:30:00.000Z' };

describe('SlackNotifier', () => {
  afterEach(() => jest.restoreAllMocks());

  it('logs instead of failing when Slack cannot be reached, so an outage never fails a deployment', async () => {
    // A port that refuses connections: bound, then closed.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: bound } = server.address() as net.AddressInfo;
        server.close(() => resolve(bound));
      });
    });
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const attempts = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const notifier = new SlackNotifier({ token: 'xoxb-test', slackApiUrl: `http://127.0.0.1:${port}/api/` });
    await expect(notifier.notify(notification)).resolves.toBeUndefined();
    // The Web API client's warning per failed request: the first and three quick retries.
    expect(attempts).toHaveBeenCalledTimes(4);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^\[notify\] started s\/production\/orders: Slack did not take it for #orders \(.+\): deploying v1 \(1 wave\)$/));
  }, 30_000);

  it('without a channel for the service and no default, says where to set one', async () => {
    const logged = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    await new SlackNotifier({ token: 'xoxb-test', slackApiUrl: 'http://127.0.0.1:1/api/' }).notify({ ...notification, channel: undefined });
    expect(logged).toHaveBeenCalledWith('[notify] started s/production/orders: not posted, no Slack channel (set notifications.slack.channel in service.yaml): deploying v1 (1 wave)');
  });
});
