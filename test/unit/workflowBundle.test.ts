import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// Workflow code, and everything it imports (plan checks, model helpers), runs in Temporal's sandbox:
// one Node builtin reached through an import makes the worker exit at start. Bundled here as the
// worker bundles it, so such an import fails a unit test rather than every deployment.
describe('the workflow bundle', () => {
  it('builds from the workflows and everything they import', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'), logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
    expect(code).toContain('deployService');
  }, 120_000);
});
