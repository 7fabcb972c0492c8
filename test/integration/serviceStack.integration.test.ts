import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PulumiCommand } from '@pulumi/pulumi/automation';
import { localBackend } from '../../src/pulumi/backend';
import { ComponentStacks, ResourceOperationError, StackMember } from '../../src/pulumi/componentStacks';
import { recordedEncryptionSalt, recordedUrns } from '../../src/pulumi/recordedState';
import { TestFile } from '../fixtures/failingFileResource';

// One engine run over several members of a stack (a wave of a service's components): each member
// its own outcome, the stack's other resources left as recorded, on the real engine.
describe('ComponentStacks.upMembers', () => {
  let dir: string;
  let stacks: ComponentStacks;
  const id = { project: 'shop', stack: 'orders.dev' };
  const file = (name: string) => path.join(dir, 'files', name);
  // A member whose program throws is tested through a worker process (pulumiWorkspaces): the engine's
  // inline-program host also rejects in-process, which jest would take as this file failing.
  const member = (name: string, content: string, options: { failWith?: string } = {}): StackMember => ({
    name,
    program: async () => {
      const resource = new TestFile(name, { path: file(name), content, failWith: options.failWith });
      return { content: resource.content, token: resource.token };
    },
  });
  const applied = (outcome: Awaited<ReturnType<ComponentStacks['upMembers']>>) =>
    Object.fromEntries([...outcome].map(([name, result]) => [name, result.applied ? { changes: result.applied.changes, outputs: result.applied.allOutputs } : { error: result.error.message }]));

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-service-stack-'));
    fs.mkdirSync(path.join(dir, 'files'));
    stacks = new ComponentStacks(localBackend(dir));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('applies a wave\'s members in one run, each with its outputs (secrets flagged), and leaves the members of other waves as recorded', async () => {
    expect(applied(await stacks.upMembers(id, [member('database', 'd1'), member('queue', 'q1')]))).toEqual({
      database: { changes: { create: 1 }, outputs: { content: { value: 'd1', secret: false }, token: { value: 'd1-token', secret: true } } },
      queue: { changes: { create: 1 }, outputs: { content: { value: 'q1', secret: false }, token: { value: 'q1-token', secret: true } } },
    });
    // The next wave's program registers only its own member: the first wave's stay.
    expect(applied(await stacks.upMembers(id, [member('api', 'a1')]))).toEqual({
      api: { changes: { create: 1 }, outputs: { content: { value: 'a1', secret: false }, token: { value: 'a1-token', secret: true } } },
    });
    expect(fs.readdirSync(path.join(dir, 'files')).sort()).toEqual(['api', 'database', 'queue']);
    expect(recordedUrns(await localBackend(dir).stackState(id)).map((urn) => urn.split('::').pop()).sort()).toEqual(['api', 'database', 'queue']);
    // Unchanged: nothing to do.
    expect(applied(await stacks.upMembers(id, [member('database', 'd1')]))).toEqual({
      database: { changes: { same: 1 }, outputs: { content: { value: 'd1', secret: false }, token: { value: 'd1-token', secret: true } } },
    });
  });

  it('reads a member\'s outputs from the stack\'s state, a secret through the engine', async () => {
    const exportsOf = (outputs: Record<string, unknown>) => ({ content: outputs.content, token: outputs.token });
    expect(await stacks.memberOutputs(id, 'queue', exportsOf)).toEqual({ content: { value: 'q1', secret: false }, token: { value: 'q1-token', secret: true } });
    expect(await stacks.memberOutputs(id, 'nothing', exportsOf)).toBeUndefined();
  });

  it('gives a failing member its own error while the others of its run are applied', async () => {
    const outcome = await stacks.upMembers(id, [member('database', 'd2', { failWith: 'disk full' }), member('queue', 'q2')]);
    expect(outcome.get('database')!.error).toBeInstanceOf(ResourceOperationError);
    expect(outcome.get('database')!.error!.message).toContain('database: disk full');
    expect(outcome.get('queue')!.applied?.changes).toEqual({ update: 1 });
    expect(fs.readFileSync(file('queue'), 'utf8')).toBe('q2');
    expect(fs.readFileSync(file('database'), 'utf8')).toBe('d1');
  });

  it('destroys a member alone, and the stack with its last one', async () => {
    await stacks.destroyMembers(id, ['api']);
    expect(fs.readdirSync(path.join(dir, 'files')).sort()).toEqual(['database', 'queue']);
    expect(recordedUrns(await localBackend(dir).stackState(id)).map((urn) => urn.split('::').pop()).sort()).toEqual(['database', 'queue']);
    await stacks.destroyMembers(id, ['database', 'queue']);
    expect(fs.readdirSync(path.join(dir, 'files'))).toEqual([]);
    expect(await localBackend(dir).stackState(id)).toBeUndefined();
  });

  it('moves a component\'s own stack (as deployed before service stacks) into its service\'s stack, untouched, and the next run finds it the same', async () => {
    const own = { project: 'shop', stack: 'orders.legacy.dev' };
    const legacy = member('legacy', 'l1');
    await stacks.up(own, legacy.program, {});
    const created = fs.statSync(file('legacy')).mtimeMs;

    await stacks.adoptStack(id, own);
    expect(await localBackend(dir).stackState(own)).toBeUndefined();
    expect(recordedUrns(await localBackend(dir).stackState(id)).map((urn) => urn.split('::').pop())).toContain('legacy');
    expect(applied(await stacks.upMembers(id, [member('legacy', 'l1')]))).toEqual({
      legacy: { changes: { same: 1 }, outputs: { content: { value: 'l1', secret: false }, token: { value: 'l1-token', secret: true } } },
    });
    expect(fs.statSync(file('legacy')).mtimeMs).toBe(created);
    // Nothing left to move: a second adoption is nothing to do.
    await stacks.adoptStack(id, own);
    await stacks.destroyMembers(id, ['legacy']);
  });

  it('creates a stack the backend does not have, and runs no `stack select` for one it has (its secrets still decrypt, under the salt they had)', async () => {
    // Every CLI run of the Automation API goes through PulumiCommand.run(args, ...).
    const runs = jest.spyOn(PulumiCommand.prototype as unknown as { run: (args: string[]) => Promise<unknown> }, 'run');
    const subcommands = () => runs.mock.calls.map(([args]) => args.slice(0, 2).join(' '));
    const fresh = { project: 'shop', stack: 'payments.dev' };
    const salt = async () => recordedEncryptionSalt((await localBackend(dir).stackState(fresh))!);
    try {
      await stacks.upMembers(fresh, [member('ledger', 'g1')]);
      expect(subcommands()).toEqual(['stack init', 'up --yes']);
      const created = await salt();
      expect(created).toMatch(/^v1:/);
      runs.mockClear();
      expect(applied(await stacks.upMembers(fresh, [member('ledger', 'g2')]))).toEqual({
        ledger: { changes: { update: 1 }, outputs: { content: { value: 'g2', secret: false }, token: { value: 'g2-token', secret: true } } },
      });
      expect(subcommands()).toEqual(['up --yes']);
      // The run was given the stack's salt: it did not make up another and re-encrypt the state with it.
      expect(await salt()).toBe(created);
      await stacks.destroyMembers(fresh, ['ledger']);
    } finally {
      runs.mockRestore();
    }
  });

  it('selects a stack another run created after this one found none', async () => {
    const late = { project: 'shop', stack: 'refunds.dev' };
    await stacks.upMembers(late, [member('ledger', 'r1')]);
    // As if the state was read just before the other run's `stack init`.
    const unaware = new ComponentStacks({ ...localBackend(dir), stackState: async () => undefined });
    expect(applied(await unaware.upMembers(late, [member('ledger', 'r2')]))).toEqual({
      ledger: { changes: { update: 1 }, outputs: { content: { value: 'r2', secret: false }, token: { value: 'r2-token', secret: true } } },
    });
    await stacks.destroyMembers(late, ['ledger']);
  });
});
