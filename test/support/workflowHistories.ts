import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

// Histories of finished workflow runs, kept as JSON under test/fixtures/workflow-histories/ and
// replayed against the current workflow code by test/workflows/replay.test.ts: a change to workflow
// code that would break the runs in flight when a worker restarts on it fails there.

export const HISTORIES_DIR = path.join(__dirname, '..', 'fixtures', 'workflow-histories');

/**
 * Saves the run's history as the fixture `name` when DEPLOYER_RECORD_HISTORIES=1 (after a
 * deliberate change of workflow behaviour, with a patch where old runs must still replay).
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (process.env.DEPLOYER_RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  // protobufjs's own JSON form (what loadHistory reads back); the SDK's historyToJSON fails under jest.
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(temporal.api.history.v1.History.fromObject(await handle.fetchHistory()).toJSON(), null, 1)}\n`);
}

/** A recorded history, as the replayer takes it. */
export function loadHistory(file: string): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
}
