import type { App } from '@slack/bolt';
import * as approval from './actions/approval';
import * as deployerCommand from './commands/deployer';
import type { ListenerDeps } from './deps';

/** Every listener of the deployer Slack app. */
export function registerListeners(app: App, deps: ListenerDeps): void {
  approval.register(app, deps);
  deployerCommand.register(app, deps);
}
