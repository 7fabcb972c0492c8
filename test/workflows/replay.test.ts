import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { HISTORIES_DIR, loadHistory } from '../support/workflowHistories';
import { quietRuntime } from '../support/timeSkipping';
import { runWorkflowBundle } from '../support/workflowBundleFile';

// A worker restarted on new code replays the history of every run in flight: workflow code that no
// longer makes the same commands for a recorded history (an activity added, reordered or renamed
// without a patch) would fail those runs. The fixtures are runs recorded by the other tests of this
// project (DEPLOYER_RECORD_HISTORIES=1, see test/support/workflowHistories.ts).
describe('recorded workflow histories replay on the current workflow code', () => {
  beforeAll(quietRuntime);
  const files = fs.readdirSync(HISTORIES_DIR).filter((file) => file.endsWith('.json')).sort();

  it('has histories of every workflow with branches worth keeping', () => {
    expect(files.map((file) => file.split('-')[0])).toEqual(expect.arrayContaining(['deployService', 'deployStack', 'rollbackService', 'remediateDrift']));
  });

  it('replays each one without a determinism error', async () => {
    const histories = files.map((file) => ({ workflowId: path.basename(file, '.json'), history: loadHistory(file) }));
    const outcomes: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: runWorkflowBundle() }, histories)) {
      outcomes.push(`${result.workflowId}: ${result.error ? `${result.error.name}: ${result.error.message}` : 'replayed'}`);
    }
    expect(outcomes).toEqual(histories.map(({ workflowId }) => `${workflowId}: replayed`));
  });
});
