import fs from 'node:fs';
import path from 'node:path';
import { stateDir } from '../../src/paths';

/** What the worker's log notifier wrote (no Slack token in tests), oldest first. */
export function loggedNotifications(): Record<string, unknown>[] {
  return fs
    .readFileSync(path.join(stateDir(), 'notifications.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
