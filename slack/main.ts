// The deployer Slack app process: `node dist/slack/main.js` (settings in slack/config.ts).
import { connectClient } from '../src/temporal/connection';
import { createSlackApp } from './app';
import { slackConfigFromEnv } from './config';

async function main(): Promise<void> {
  const config = slackConfigFromEnv();
  const temporal = await connectClient(config.temporal);
  const app = await createSlackApp({ ...config, temporal });
  if (config.appToken) {
    await app.start();
    console.log(`deployer Slack app connected over Socket Mode (Temporal ${config.temporal.address})`);
  } else {
    await app.start(config.port);
    console.log(`deployer Slack app listening on :${config.port}/slack/events (Temporal ${config.temporal.address})`);
  }
  const stop = async () => {
    await app.stop();
    await temporal.connection.close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
