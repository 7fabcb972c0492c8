import { recordedResources } from '../../src/pulumi/recordedState';

const checkpoint = (latest: Record<string, unknown>) => JSON.stringify({ version: 3, checkpoint: { stack: 'organization/fleet/svc.queue.sweep', latest } });
const stackResource = { urn: 'urn:pulumi:sweep::fleet::pulumi:pulumi:Stack::fleet-sweep', custom: false, type: 'pulumi:pulumi:Stack' };
const provider = { urn: 'urn:pulumi:sweep::fleet::pulumi:providers:pulumi-nodejs::default', custom: true, id: 'p1', type: 'pulumi:providers:pulumi-nodejs', outputs: {} };
const queue = { urn: 'urn:pulumi:sweep::fleet::pulumi-nodejs:dynamic:Resource::queue', custom: true, id: 'fleet.sweep.svc.queue', type: 'pulumi-nodejs:dynamic:Resource', outputs: { kind: 'SQS', fifo: false } };

describe('recordedResources: a stack\'s resources from its state file', () => {
  it('the resources themselves, not the stack or its providers', () => {
    expect(recordedResources(checkpoint({ resources: [stackResource, provider, queue] }))).toEqual([{ urn: queue.urn, type: queue.type, id: queue.id, outputs: queue.outputs }]);
  });

  it('nothing the engine alone can settle: no state yet, or operations an interrupted engine left pending', () => {
    expect(recordedResources(undefined)).toBeUndefined();
    expect(recordedResources(checkpoint({}))).toBeUndefined();
    expect(recordedResources(checkpoint({ resources: [stackResource, queue], pending_operations: [{ resource: queue, type: 'updating' }] }))).toBeUndefined();
  });
});
