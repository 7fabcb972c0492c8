import { ComponentStacks, PulumiBackend } from '../../src/pulumi/componentStacks';
import { recordedEncryptionSalt, recordedResources, recordedStackOutputs } from '../../src/pulumi/recordedState';

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

const secret = { '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270', ciphertext: 'v1:abc:def' };
const withOutputs = (outputs: Record<string, unknown>) => checkpoint({ resources: [{ ...stackResource, outputs }, queue] });

describe('recordedStackOutputs: the outputs `pulumi stack output` shows, from the state file', () => {
  it('every output, none secret, when nothing in them is', () => {
    expect(recordedStackOutputs(withOutputs({ url: 'http://127.0.0.1:4566/q', port: 4566, tags: { team: 'a' } }))).toEqual({
      url: { value: 'http://127.0.0.1:4566/q', secret: false },
      port: { value: 4566, secret: false },
      tags: { value: { team: 'a' }, secret: false },
    });
  });

  it('undefined when one holds a secret, even inside an object: only the engine decrypts it', () => {
    expect(recordedStackOutputs(withOutputs({ endpoint: '127.0.0.1', password: secret }))).toBeUndefined();
    expect(recordedStackOutputs(withOutputs({ connection: { host: '127.0.0.1', password: secret } }))).toBeUndefined();
  });

  it('no outputs without a state or resources', () => {
    expect(recordedStackOutputs(undefined)).toEqual({});
    expect(recordedStackOutputs(checkpoint({}))).toEqual({});
  });
});

describe('recordedEncryptionSalt: the salt of the passphrase the state\'s secrets are encrypted with', () => {
  it('the passphrase provider\'s salt; none for another provider or a state without one', () => {
    const salt = 'v1:9nKeVVdEU1g=:v1:d0n1Q0B0Hk4R9ssY:1Hqo5hzaN0gUzyJZMNb/3ztvD1z1Ww==';
    expect(recordedEncryptionSalt(checkpoint({ secrets_providers: { type: 'passphrase', state: { salt } } }))).toBe(salt);
    expect(recordedEncryptionSalt(checkpoint({ secrets_providers: { type: 'awskms', state: { url: 'awskms://alias/x' } } }))).toBeUndefined();
    expect(recordedEncryptionSalt(checkpoint({}))).toBeUndefined();
  });
});

describe('ComponentStacks.outputs: the engine only for secrets, once per state', () => {
  const id = { project: 'fleet', stack: 'svc.database.sweep' };
  function stacksOver(state: { json?: string }) {
    const backend = { stackState: async () => state.json } as unknown as PulumiBackend;
    const stacks = new ComponentStacks(backend);
    const engine = jest.spyOn(stacks, 'engineOutputs').mockImplementation(async () => ({ password: { value: `decrypted ${engine.mock.calls.length}`, secret: true } }));
    return { stacks, engine };
  }
  const program = async () => ({});

  it('reads outputs without a secret from the state, never starting the engine', async () => {
    const { stacks, engine } = stacksOver({ json: withOutputs({ url: 'http://q' }) });
    expect(await stacks.outputs(id, program)).toEqual({ url: { value: 'http://q', secret: false } });
    expect(engine).not.toHaveBeenCalled();
  });

  it('asks the engine for a secret once while the state stays the same, and again when it changes', async () => {
    const state = { json: withOutputs({ password: secret }) };
    const { stacks, engine } = stacksOver(state);
    expect(await stacks.outputs(id, program)).toEqual({ password: { value: 'decrypted 1', secret: true } });
    expect(await stacks.outputs(id, program)).toEqual({ password: { value: 'decrypted 1', secret: true } });
    expect(engine).toHaveBeenCalledTimes(1);
    state.json = withOutputs({ password: { ...secret, ciphertext: 'v1:abc:rotated' } });
    expect(await stacks.outputs(id, program)).toEqual({ password: { value: 'decrypted 2', secret: true } });
    // Another stack with the same state text is another stack.
    expect(await stacks.outputs({ ...id, stack: 'svc.other.sweep' }, program)).toEqual({ password: { value: 'decrypted 3', secret: true } });
  });
});
