import { EngineEvent } from '@pulumi/pulumi/automation';
import { diffRefreshEvent } from '../../src/pulumi/refreshDiff';

function refreshed(type: string, old: Record<string, unknown> | undefined, next: Record<string, unknown> | undefined, op = 'refresh'): EngineEvent {
  return {
    sequence: 1,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op,
        urn: `urn:pulumi:dev::proj::${type}::api`,
        type,
        provider: '',
        old: old && { type, urn: '', id: 'x', parent: '', provider: '', inputs: {}, outputs: old },
        new: next && { type, urn: '', id: 'x', parent: '', provider: '', inputs: {}, outputs: next },
      },
    },
  } as unknown as EngineEvent;
}

describe('diffRefreshEvent', () => {
  const type = 'pulumi-nodejs:dynamic:Resource';

  it('reports each changed field, nested ones by dotted path, and ignores the provider blob', () => {
    const drift = diffRefreshEvent(
      refreshed(type, { replicas: 5, limits: { cpu: 512, memory: 1024 }, __provider: 'a' }, { replicas: 3, limits: { cpu: 512, memory: 2048 }, __provider: 'b' }),
    );
    expect(drift).toEqual({
      urn: `urn:pulumi:dev::proj::${type}::api`,
      type,
      name: 'api',
      kind: 'changed',
      fields: [
        { field: 'limits.memory', recorded: 1024, actual: 2048 },
        { field: 'replicas', recorded: 5, actual: 3 },
      ],
    });
  });

  it('reports a resource that is gone as deleted', () => {
    expect(diffRefreshEvent(refreshed(type, { replicas: 5 }, undefined))).toMatchObject({ kind: 'deleted', name: 'api' });
  });

  it('ignores unchanged resources, the stack and providers', () => {
    expect(diffRefreshEvent(refreshed(type, { replicas: 5 }, { replicas: 5 }))).toBeUndefined();
    expect(diffRefreshEvent(refreshed('pulumi:pulumi:Stack', { a: 1 }, { a: 2 }))).toBeUndefined();
    expect(diffRefreshEvent(refreshed('pulumi:providers:pulumi-nodejs', { a: 1 }, { a: 2 }))).toBeUndefined();
  });
});
