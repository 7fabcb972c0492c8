import type { App } from '@slack/bolt';
import { findServiceStack } from '../../../src/client/locate';
import { gatherServiceStatus } from '../../../src/client/serviceStatus';
import { renderServiceStatus } from '../../../src/client/render/status';
import { escape, statusText, usageText } from '../../../src/notify/slackMessages';
import { temporalReleaseReads } from '../../../src/client/releases';
import { serviceDeployment } from '../../../src/client/runningDeployment';
import { deployerTaskQueue } from '../../../src/temporal/taskQueue';
import type { ListenerDeps } from '../deps';

/**
 * `/deployer status <service> <environment> [stack]`: what `deployer status` shows, as an answer only
 * the asker sees. Acknowledged at once and answered through the response URL, since asking the
 * target for every component's state may take longer than Slack's three seconds.
 */
export function register(app: App, deps: ListenerDeps): void {
  app.command('/deployer', async ({ command, ack, respond, logger }) => {
    await ack();
    const [verb, service, environment, stack, ...rest] = command.text.trim().split(/\s+/).filter(Boolean);
    if (verb !== 'status' || !service || !environment || rest.length) {
      await respond({ response_type: 'ephemeral', text: usageText(command.command) });
      return;
    }
    if (!deps.repo) {
      await respond({ response_type: 'ephemeral', text: ':x: This Slack app has no deployment repo to read services from: start it with DEPLOYER_REPO set to a checkout.' });
      return;
    }
    try {
      const stackName = findServiceStack(deps.repo, service, stack);
      // The release log is the worker's: asked through Temporal like every client does.
      const releases = await temporalReleaseReads({ client: deps.temporal, taskQueue: deps.taskQueue ?? deployerTaskQueue() }).serviceReleases({ stack: stackName, environment, service, limit: 1 });
      const deploying = await serviceDeployment(deps.temporal, stackName, environment, service);
      const status = await gatherServiceStatus({ root: deps.repo, stack: stackName, environment, service, releases, deploying });
      await respond({ response_type: 'ephemeral', text: statusText(renderServiceStatus(status)) });
    } catch (error) {
      logger.warn(`/deployer ${command.text} failed`, error);
      await respond({ response_type: 'ephemeral', text: `:x: ${escape((error as Error).message)}` });
    }
  });
}
