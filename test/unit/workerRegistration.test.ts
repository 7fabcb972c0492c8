import type { NativeConnection } from '@temporalio/worker';
import type { ActivityPorts } from '../../activities/ports';
import { deployerWorkerOptions } from '../../worker/createWorker';

// Test scaffolding that runs one Pulumi operation on any component stack must not be reachable
// through a production worker: any Temporal client could `up` or `destroy` a stack with no lock,
// plan, approval or record.
describe('the production worker registers production workflows and activities only', () => {
  const options = deployerWorkerOptions({ connection: {} as NativeConnection, namespace: 'default', ports: {} as ActivityPorts });

  it('bundles no single-stack workflows', async () => {
    const workflows = Object.keys(await import(options.workflowsPath!));
    expect(workflows).toEqual(expect.arrayContaining(['deployStack', 'deployService', 'detectDrift']));
    for (const scaffolding of ['applyComponentStack', 'destroyComponentStack', 'detectComponentStackDrift']) expect(workflows).not.toContain(scaffolding);
  });

  it('registers no single-stack activities', () => {
    const activities = Object.keys(options.activities!);
    expect(activities).toEqual(expect.arrayContaining(['applyComponent', 'driftTargets']));
    for (const scaffolding of ['upComponent', 'previewRefreshComponent', 'destroyComponent']) expect(activities).not.toContain(scaffolding);
  });
});
