import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  ConcurrentUpdateError,
  ConfigMap,
  EngineEvent,
  InlineProgramArgs,
  LocalWorkspace,
  LocalWorkspaceOptions,
  OutputMap,
  PulumiCommand,
  PulumiFn,
  Stack,
  StackAlreadyExistsError,
  StackSettings,
} from '@pulumi/pulumi/automation';
import * as pulumi from '@pulumi/pulumi';
import type { ComponentStackId } from '../model/componentRef';
import { localRuntimeHome } from '../paths';
import { pulumiEnv, toolPath } from '../toolchain';
import { releasesToKeep } from '../releases/retention';
import { ComponentOutputs, isRecordedSecret, RecordedResource, recordedEncryptionSalt, recordedResourceNamed, recordedResources, recordedStackOutputs, recordedUrns, resourceName, revealedResourceNamed } from './recordedState';
import { diffRefreshEvent, ResourceDrift } from './refreshDiff';
import { makeWorkspace, sweepAbandonedWorkspaces } from './workspaces';
import { AwsTargetError, LocalTargetError } from '../errors';
import { withTimeout } from '../withTimeout';

const execFileAsync = promisify(execFile);

export type { ResourceDrift } from './refreshDiff';
export type { ComponentOutputs, RecordedResource } from './recordedState';

/** Where component stacks keep their state and how their secrets are encrypted. */
export interface PulumiBackend {
  /** `file:///abs/dir` on one machine, `postgres://...` for a team. */
  url: string;
  /** Encrypts the stacks' secrets; every worker of a backend must use the same. */
  passphrase(): Promise<string>;
  /** PULUMI_HOME: plugin cache and credentials, kept out of the user's ~/.pulumi. */
  home: string;
  /** Where each operation's workspace (Pulumi.yaml, stack settings) lives while it runs. */
  workspaces: string;
  /**
   * The stack's current state as the engine wrote it (`.pulumi/stacks/<project>/<stack>.json`), or
   * undefined when it has none. Read without the engine, so without the stack's lock.
   */
  stackState(id: ComponentStackId): Promise<string | undefined>;
  /** Drops all but the newest `keep` updates of a stack's history: the engine keeps every one. */
  pruneHistory(id: ComponentStackId, keep: number): Promise<void>;
  /**
   * Whether a machine runs a worker of this backend that may hold a lock taken at `lockedAt` (one
   * that was running then). A Pulumi lock names the machine and pid of its engine: on this machine
   * the pid tells whether it still runs, on another only this can.
   */
  hostRunsWorkers(host: string, lockedAt?: Date): Promise<boolean>;
}

/** Progress of a running engine operation, reported to callers (activities heartbeat with it). */
export interface EngineProgress {
  resource: string;
  op: string;
  phase: 'started' | 'done' | 'failed';
}

export interface RunHooks {
  /** Aborting stops the engine cleanly (SIGINT to the CLI): it finishes the steps in flight, leaving the state consistent. */
  signal?: AbortSignal;
  /**
   * Aborting ends the engine at once, without waiting for the steps in flight (Pulumi's second
   * interrupt): for an engine nobody waits for any more, whose step in flight may never end.
   */
  terminate?: AbortSignal;
  onProgress?: (progress: EngineProgress) => void;
  /** Called with what was cleared when a lock left by an engine that no longer runs is cleared before the run. */
  onStaleLockCleared?: (note: string) => void | Promise<void>;
}

/** One member of a run over several: a component's resources, registered by its program under `name` (a name unique in the stack). */
export interface StackMember {
  name: string;
  program: PulumiFn;
}

/** How a member of a run over several ended: applied, with its outputs and changes, or its own error. */
export type MemberOutcome = { applied: Omit<UpOutcome, 'outputs'>; error?: undefined } | { error: Error; applied?: undefined };

export interface UpOutcome {
  /** For callers outside the worker: secret outputs withheld. */
  outputs: Record<string, unknown>;
  /** Every output with its secret flag; stays in the worker. */
  allOutputs: ComponentOutputs;
  /** Resource operation counts, e.g. { create: 1, same: 2 }. */
  changes: Record<string, number>;
  durationMs: number;
}

/**
 * Automation API facade: one LocalWorkspace per operation, so component stacks of a wave run in
 * parallel without sharing a working directory. Each workspace is a directory of its own under
 * `backend.workspaces`, removed when the operation ends (left to the Automation API, it would be a
 * new `$TMPDIR/automation-*` per operation, never removed). After an `up` or `destroy`, the stack's
 * update history on a file backend is pruned to the newest `updatesToKeep`.
 */
export class ComponentStacks {
  private command?: Promise<PulumiCommand>;
  /** Whether the workspaces of dead workers were removed yet (once, at the first operation). */
  private swept = false;
  /** Outputs holding a secret, as the engine decrypted them, by stack and state (its hash). */
  private readonly decryptedOutputs = new Map<string, ComponentOutputs>();
  /** Stacks exported with their secrets shown, by stack and state (its hash): members' secret outputs. */
  private readonly revealedStates = new Map<string, Parameters<typeof revealedResourceNamed>[0]>();

  constructor(
    private readonly backend: PulumiBackend,
    private readonly updatesToKeep: number = releasesToKeep(),
  ) {}

  async up(id: ComponentStackId, program: PulumiFn, config: Record<string, string>, hooks: RunHooks = {}): Promise<UpOutcome> {
    const started = Date.now();
    const guarded = programFailures(program);
    const exports = programExports(guarded.program);
    let changes: Record<string, number> = {};
    const outputs = await this.withStack(id, exports.program, async (stack) => {
      // Each config call is an engine process; most component stacks have no config at all.
      if (Object.keys(config).length) await stack.setAllConfig(toConfigMap(config));
      withoutReadsAfterUp(stack, exports.outputs);
      const failures = resourceFailures(guarded);
      const listen = progressListener(hooks);
      const onEvent = (event: EngineEvent) => {
        listen(event);
        failures.observe(event);
        if (event.summaryEvent) changes = event.summaryEvent.resourceChanges as Record<string, number>;
      };
      // Refresh first, so what changed behind deployer's back (drift) is put back to the desired state.
      const result = await withoutStaleLock(stack, this.backend, hooks, () => stack.up({ refresh: true, signal: engineSignal(hooks), onEvent })).catch((error: unknown) => failures.rethrow(error));
      return result.outputs;
    });
    await this.backend.pruneHistory(id, this.updatesToKeep);
    return { outputs: visibleOutputs(outputs), allOutputs: flaggedOutputs(outputs), changes, durationMs: Date.now() - started };
  }

  /**
   * One engine run that applies several members of one stack (the components of a service that a
   * wave applies), each registered by its own program; every other resource the stack holds is left
   * as recorded (only the members are targeted). Members are independent: one that fails does not
   * stop the others (continue on error), and each gets its own outcome. A member whose program
   * throws fails with that error; the run then fails too, and the engine deletes nothing (it
   * deletes only after a program that completed). A member the run never reached fails with the
   * run's error, which may be tried again.
   */
  async upMembers(id: ComponentStackId, members: StackMember[], hooks: RunHooks = {}): Promise<Map<string, MemberOutcome>> {
    const started = Date.now();
    const names = new Set(members.map((member) => member.name));
    // Targets, not exclusions: what the run may touch is fixed by name whatever another engine adds
    // to the stack meanwhile (exclusions read from the state before the run would let a resource
    // created in between be deleted as unregistered). A pattern, as an exact URN refuses a resource
    // the stack does not have yet.
    const targets = members.map((member) => `urn:pulumi:${id.stack}::${id.project}::**::${member.name}`);
    const programs = members.map((member) => ({ name: member.name, ...programExports(member.program) }));
    const thrown = new Map<string, unknown>();
    const composite: PulumiFn = async () => {
      const settled = await Promise.allSettled(programs.map((member) => member.program()));
      settled.forEach((outcome, index) => outcome.status === 'rejected' && thrown.set(programs[index]!.name, outcome.reason));
      if (thrown.size) throw new Error(`the programs of ${[...thrown.keys()].join(', ')} failed`);
      return {};
    };
    const seen = memberEvents(names);
    let runError: unknown;
    await this.withStack(id, composite, async (stack) => {
      // Members' outputs are their programs' exports; the stack exports nothing to read back.
      withoutReadsAfterUp(stack, async () => ({}));
      const listen = progressListener(hooks);
      const onEvent = (event: EngineEvent) => {
        listen(event);
        seen.observe(event);
      };
      await withoutStaleLock(stack, this.backend, hooks, () => stack.up({ refresh: true, target: targets, continueOnError: true, signal: engineSignal(hooks), onEvent })).catch((error: unknown) => {
        runError = error;
      });
    });
    await this.backend.pruneHistory(id, this.updatesToKeep);
    const durationMs = Date.now() - started;
    const outcomes = new Map<string, MemberOutcome>();
    for (const member of programs) {
      const failed = seen.failure(member.name);
      if (thrown.has(member.name)) outcomes.set(member.name, { error: programFailure(thrown.get(member.name)) });
      else if (failed) outcomes.set(member.name, { error: failed });
      else if (seen.completed(member.name)) outcomes.set(member.name, { applied: { allOutputs: flaggedOutputs(await member.outputs()), changes: seen.changes(member.name), durationMs } });
      else outcomes.set(member.name, { error: runError instanceof Error ? runError : new Error(`the engine ended before applying ${member.name}`) });
    }
    return outcomes;
  }

  /** Refresh in preview mode: reports what changed behind Pulumi's back, without touching state. */
  async previewRefresh(id: ComponentStackId, program: PulumiFn, hooks: RunHooks = {}, member?: string): Promise<ResourceDrift[]> {
    // A member's resources only, where the stack holds a service's components.
    const target = member === undefined ? undefined : recordedUrns(await this.backend.stackState(id)).filter((urn) => resourceName(urn) === member);
    // No target would refresh the whole stack: a member the stack does not have has nothing to refresh.
    if (target?.length === 0) return [];
    return this.withStack(id, program, async (stack) => {
      const drifts: ResourceDrift[] = [];
      const report = progressListener(hooks);
      await withoutStaleLock(stack, this.backend, hooks, () => stack.previewRefresh({
        target,
        signal: engineSignal(hooks),
        onEvent: (event) => {
          report(event);
          const drift = diffRefreshEvent(event);
          if (drift) drifts.push(drift);
        },
      }));
      return drifts;
    });
  }

  async destroy(id: ComponentStackId, program: PulumiFn, hooks: RunHooks = {}): Promise<void> {
    await this.withStack(id, program, async (stack) => {
      withoutSummaryRead(stack);
      await withoutStaleLock(stack, this.backend, hooks, () => stack.destroy({ signal: engineSignal(hooks), onEvent: progressListener(hooks) }));
      await stack.workspace.removeStack(id.stack);
    });
    await this.backend.pruneHistory(id, this.updatesToKeep);
  }

  /**
   * Moves everything `source` holds into `dest` (Pulumi's `state move`: the resources keep running,
   * untouched) and removes `source`: a component's own stack from before its service had one. A
   * source that does not exist is nothing to do.
   */
  async adoptStack(dest: ComponentStackId, source: ComponentStackId): Promise<void> {
    const state = await this.backend.stackState(source);
    if (state === undefined) return;
    const urns = recordedUrns(state);
    await this.withStack(dest, async () => ({}), async (stack) => {
      const workspace = stack.workspace as LocalWorkspace;
      // The Automation API has no state move: the same CLI, in the same workspace.
      if (urns.length) await execFileAsync(toolPath('pulumi'), ['state', 'move', '--source', source.stack, '--dest', dest.stack, '--yes', '--non-interactive', ...urns], { cwd: workspace.workDir, env: { ...process.env, ...workspace.envVars, PULUMI_HOME: this.backend.home } });
      // Left with its own stack resource and providers only: nothing of anyone's goes with it.
      await workspace.removeStack(source.stack, { force: true });
    });
  }

  /** Destroys members of a stack (only their resources), and the stack once nothing is left in it. */
  async destroyMembers(id: ComponentStackId, names: string[], hooks: RunHooks = {}): Promise<void> {
    const urns = recordedUrns(await this.backend.stackState(id)).filter((urn) => names.includes(resourceName(urn)));
    if (urns.length === 0) return;
    await this.withStack(id, async () => ({}), async (stack) => {
      withoutSummaryRead(stack);
      await withoutStaleLock(stack, this.backend, hooks, () => stack.destroy({ target: urns, signal: engineSignal(hooks), onEvent: progressListener(hooks) }));
      // Only the stack's own resource and its providers left: nothing of anyone's is removed with it.
      if (recordedUrns(await this.backend.stackState(id)).length === 0) await stack.workspace.removeStack(id.stack, { force: true });
    });
    await this.backend.pruneHistory(id, this.updatesToKeep);
  }

  /**
   * The stack's resources as its state records them (those of `member` only, where one is named),
   * read without starting the engine; undefined when only the engine can say (no state, operations
   * left pending, or no such member).
   */
  async recordedResources(id: ComponentStackId, member?: string): Promise<RecordedResource[] | undefined> {
    const resources = recordedResources(await this.backend.stackState(id));
    if (member === undefined) return resources;
    const own = resources?.filter((resource) => resourceName(resource.urn) === member);
    // A member the stack does not have is as a stack without state: only the engine could say more.
    return own?.length ? own : undefined;
  }

  /**
   * Where a component's resources are: in its service's stack as a member, or (deployed before
   * service stacks, not moved yet) in a stack of its own.
   */
  async componentStack(service: ComponentStackId, own: ComponentStackId, member: string): Promise<{ id: ComponentStackId; member?: string }> {
    if (recordedResourceNamed(await this.backend.stackState(service), member)) return { id: service, member };
    return (await this.backend.stackState(own)) === undefined ? { id: service, member } : { id: own };
  }

  /**
   * Outputs with their secret flag, for resolving references inside the worker. Each read through
   * the engine is three CLI runs (select the stack, its outputs with and without secrets), and a
   * deployment reads every component a wave refers to: outputs without a secret are read from the
   * state entry instead (a file or one row), and those with one, which only the engine decrypts,
   * are kept for as long as the state is the same.
   */
  async outputs(id: ComponentStackId, program: PulumiFn): Promise<ComponentOutputs> {
    const state = await this.backend.stackState(id);
    const recorded = recordedStackOutputs(state);
    if (recorded !== undefined) return recorded;
    const key = `${id.project}/${id.stack} ${crypto.createHash('sha256').update(state!).digest('hex')}`;
    const known = this.decryptedOutputs.get(key);
    if (known) return known;
    const outputs = await this.engineOutputs(id, program);
    this.decryptedOutputs.set(key, outputs);
    if (this.decryptedOutputs.size > DECRYPTED_OUTPUTS_KEPT) this.decryptedOutputs.delete(this.decryptedOutputs.keys().next().value!);
    return outputs;
  }

  /**
   * What a member of a stack (a component of a service's stack) exports, from its resource as the
   * state records it, through `exportsOf`; undefined when the stack has no such member. A secret
   * among them (stored encrypted) is read from the engine's export of the whole stack, kept for as
   * long as the state is the same.
   */
  async memberOutputs(id: ComponentStackId, name: string, exportsOf: (outputs: Record<string, unknown>) => Record<string, unknown>): Promise<ComponentOutputs | undefined> {
    const state = await this.backend.stackState(id);
    const resource = recordedResourceNamed(state, name);
    if (!resource) return undefined;
    const recorded = exportsOf(resource.outputs);
    const secrets = new Set(Object.keys(recorded).filter((key) => isRecordedSecret(recorded[key])));
    const values = secrets.size ? exportsOf((await this.revealedResource(id, name, state!))?.outputs ?? {}) : recorded;
    // As `pulumi stack output` shows outputs: one without a value is none.
    return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined).map(([key, value]) => [key, { value, secret: secrets.has(key) }]));
  }

  /** A resource with its secrets decrypted (`pulumi stack export --show-secrets`), by stack and state. */
  private async revealedResource(id: ComponentStackId, name: string, state: string): Promise<RecordedResource | undefined> {
    const key = `${id.project}/${id.stack} ${crypto.createHash('sha256').update(state).digest('hex')}`;
    let deployment = this.revealedStates.get(key);
    if (!deployment) {
      deployment = (await this.withStack(id, async () => ({}), async (stack) => stack.workspace.exportStack(id.stack))).deployment as Parameters<typeof revealedResourceNamed>[0];
      this.revealedStates.set(key, deployment);
      if (this.revealedStates.size > DECRYPTED_OUTPUTS_KEPT) this.revealedStates.delete(this.revealedStates.keys().next().value!);
    }
    return revealedResourceNamed(deployment, name);
  }

  /** Outputs as the engine's CLI reads them (`pulumi stack output`, with and without secrets). */
  async engineOutputs(id: ComponentStackId, program: PulumiFn): Promise<ComponentOutputs> {
    return this.withStack(id, program, async (stack) => flaggedOutputs(await stack.outputs()));
  }

  private async withStack<T>(id: ComponentStackId, program: PulumiFn, operation: (stack: Stack) => Promise<T>): Promise<T> {
    if (!this.swept) {
      this.swept = true;
      sweepAbandonedWorkspaces(this.backend.workspaces);
    }
    const workDir = makeWorkspace(this.backend.workspaces, `${id.project}.${id.stack}`);
    try {
      return await operation(await this.select(id, program, workDir));
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  private async select(id: ComponentStackId, program: PulumiFn, workDir: string): Promise<Stack> {
    this.command ??= PulumiCommand.get({ root: path.dirname(path.dirname(toolPath('pulumi'))), skipVersionCheck: false });
    const options = {
      workDir,
      pulumiCommand: await this.command,
      pulumiHome: this.backend.home,
      projectSettings: { name: id.project, runtime: 'nodejs' as const, backend: { url: this.backend.url } },
      secretsProvider: 'passphrase',
      // DEPLOYER_HOME: the local target's providers find the runtime through it.
      envVars: { ...pulumiEnv(), PULUMI_CONFIG_PASSPHRASE: await this.backend.passphrase(), DEPLOYER_HOME: localRuntimeHome() },
    };
    const state = await this.backend.stackState(id);
    if (state === undefined) return createStack({ projectName: id.project, stackName: id.stack, program }, options);
    return Stack.select(id.stack, withoutSelectRun(await LocalWorkspace.create({ ...options, program, stackSettings: stackSettingsOf(id, state) })));
  }
}

/**
 * The signal handed to the Automation API, which interrupts the engine (SIGINT) on every `abort`
 * event the signal dispatches, not only the first. Pulumi takes a first interrupt as "cancel: finish
 * the steps in flight" and a second as "terminate now"; an AbortSignal fires `abort` once by itself,
 * so termination dispatches the event again.
 */
function engineSignal(hooks: RunHooks): AbortSignal {
  const engine = new AbortController();
  const cancel = () => engine.abort();
  const terminate = () => {
    cancel();
    engine.signal.dispatchEvent(new Event('abort'));
  };
  hooks.signal?.addEventListener('abort', cancel, { once: true });
  hooks.terminate?.addEventListener('abort', terminate, { once: true });
  return engine.signal;
}

// Waits between tries while another engine holds a stack's lock: doubling from 1 s up to 15 s.
const LOCK_RETRY_FIRST_MS = 1_000;
const LOCK_RETRY_MAX_MS = 15_000;

/**
 * Runs an engine operation through Pulumi's lock on the stack. While another engine holds it (a
 * drift check's refresh, an update another worker took over, an engine a forced unlock is ending),
 * tries again with backoff for as long as the caller waits: a held lock is never a failed
 * deployment. A lock whose engines all no longer run (a worker SIGKILLed or OOM-killed mid-`up`
 * never removes it: on this machine its pid is gone, on another machine no worker that was running
 * when the lock was taken runs any more)
 * is cleared with `pulumi cancel`, reported through `onStaleLockCleared`, and the operation runs.
 * The interrupted run's pending operations need nothing more: `up` refreshes first, and a refresh
 * drops them.
 */
async function withoutStaleLock<T>(stack: Stack, backend: PulumiBackend, hooks: RunHooks, run: () => Promise<T>): Promise<T> {
  for (let wait = LOCK_RETRY_FIRST_MS; ; wait = Math.min(wait * 2, LOCK_RETRY_MAX_MS)) {
    try {
      return await run();
    } catch (error) {
      const holders = error instanceof ConcurrentUpdateError ? lockHolders(error.message) : [];
      if (holders.length === 0) throw error;
      const alive = await Promise.all(holders.map((holder) => (holder.host === os.hostname() ? processAlive(holder.pid) : backend.hostRunsWorkers(holder.host, lockTime(holder)))));
      if (!alive.includes(true)) {
        await stack.cancel();
        await hooks.onStaleLockCleared?.(`cleared the Pulumi lock of ${stack.name} left by an engine that no longer runs (${holders.map(describeHolder).join(', ')})`);
        continue;
      }
      await pause(wait, [hooks.signal, hooks.terminate], () => error);
    }
  }
}

/** Sleeps `ms`, or throws `reason()` as soon as one of the signals aborts. */
function pause(ms: number, signals: (AbortSignal | undefined)[], reason: () => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (done: () => void) => {
      clearTimeout(timer);
      for (const signal of signals) signal?.removeEventListener('abort', stop);
      done();
    };
    const stop = () => settle(() => reject(reason()));
    const timer = setTimeout(() => settle(resolve), ms);
    for (const signal of signals) {
      if (signal?.aborted) return stop();
      signal?.addEventListener('abort', stop, { once: true });
    }
  });
}

interface LockHolder {
  host: string;
  pid: number;
  at?: string;
}

/** Every lock the engine names (`created by <user>@<host> (pid <n>) at <time>`), once: the error repeats the CLI's output. */
function lockHolders(message: string): LockHolder[] {
  const holders = new Map<string, LockHolder>();
  for (const match of message.matchAll(/created by \S+@(\S+) \(pid (\d+)\)(?: at (\S+))?/g)) {
    holders.set(`${match[1]} ${match[2]}`, { host: match[1]!, pid: Number(match[2]), at: match[3] });
  }
  return [...holders.values()];
}

/** When the holder took the lock, when the engine said so readably. */
function lockTime(holder: LockHolder): Date | undefined {
  const at = holder.at === undefined ? Number.NaN : Date.parse(holder.at);
  return Number.isNaN(at) ? undefined : new Date(at);
}

function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host}${holder.at ? `, locked at ${holder.at}` : ''}`;
}

/** A zombie (killed, not yet reaped: its parent died too) counts as dead. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * A resource operation failed (a rollout that did not converge, a database that did not start):
 * the engine itself worked, so running it again would fail the same way.
 */
export class ResourceOperationError extends Error {}

/**
 * Diagnostics that say the resource could not be reached, not that it failed: the local runtime
 * restarting (the provider could not connect, or lost its request), or the engine losing its
 * provider plugin.
 */
const TRANSIENT_FAILURES = [/the local runtime at \S+ did not answer:/, /the local runtime is not running/, /transport: Error while dialing/, /error reading from server: EOF/];

export function isTransientFailure(message: string): boolean {
  return TRANSIENT_FAILURES.some((pattern) => pattern.test(message));
}

/**
 * The program, watched for what it throws: the engine reports a program's error as pages of CLI
 * output (the stack trace twice, the command line, every event), where the user needs only the
 * error deployer's program threw, which already says what to fix.
 */
function programFailures(program: PulumiFn): { program: PulumiFn; thrown(): unknown } {
  let thrown: unknown;
  return {
    program: async () => {
      try {
        return await program();
      } catch (error) {
        thrown = error;
        throw error;
      }
    },
    thrown: () => thrown,
  };
}

/**
 * What the program threw, as the operation's failure: a component the target cannot provision as
 * written fails the same way on every run (no retry mends it); anything else (the runtime not
 * answering, an AWS call that failed) keeps its own error, and may be tried again.
 */
function programFailure(thrown: unknown): Error {
  if (thrown instanceof AwsTargetError || thrown instanceof LocalTargetError) return new ResourceOperationError(thrown.message);
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/**
 * The engine's events sorted by member (the resource named as the member): its operations, whether
 * its update step completed (a refresh does not count), and its failure, told as resourceFailures
 * tells a stack's.
 */
function memberEvents(names: Set<string>) {
  const byMember = new Map<string, { ops: string[]; failed: boolean; messages: string[] }>();
  const of = (urn: string | undefined) => {
    const name = urn === undefined ? undefined : resourceName(urn);
    if (name === undefined || !names.has(name)) return undefined;
    if (!byMember.has(name)) byMember.set(name, { ops: [], failed: false, messages: [] });
    return byMember.get(name)!;
  };
  return {
    observe(event: EngineEvent) {
      if (event.resOutputsEvent && event.resOutputsEvent.metadata.op !== 'refresh') of(event.resOutputsEvent.metadata.urn)?.ops.push(event.resOutputsEvent.metadata.op);
      if (event.resOpFailedEvent) {
        const member = of(event.resOpFailedEvent.metadata.urn);
        if (member) member.failed = true;
      }
      const diagnostic = event.diagnosticEvent;
      if (diagnostic?.severity === 'error') {
        const member = of(diagnostic.urn);
        const message = diagnostic.message.trim();
        if (member && !member.messages.some((known) => known.endsWith(message))) member.messages.push(`${resourceName(diagnostic.urn!)}: ${message}`);
      }
    },
    completed: (name: string) => (byMember.get(name)?.ops.length ?? 0) > 0,
    changes(name: string): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const op of byMember.get(name)?.ops ?? []) counts[op] = (counts[op] ?? 0) + 1;
      return counts;
    },
    failure(name: string): Error | undefined {
      const member = byMember.get(name);
      if (!member?.failed && !member?.messages.length) return undefined;
      const message = member.messages.join('; ') || `${name}: the engine reported its operation failed`;
      return member.messages.length && !member.messages.every(isTransientFailure) ? new ResourceOperationError(message) : new Error(message);
    },
  };
}

/** Collects the engine's error diagnostics of resources, to report them instead of the CLI's whole output. */
function resourceFailures(program: { thrown(): unknown }) {
  const messages: string[] = [];
  return {
    observe(event: EngineEvent) {
      const diagnostic = event.diagnosticEvent;
      if (diagnostic?.severity !== 'error' || !diagnostic.urn || diagnostic.urn.includes('::pulumi:pulumi:Stack::')) return;
      const name = diagnostic.urn.split('::').pop();
      const message = diagnostic.message.trim();
      if (!messages.some((known) => known.endsWith(message))) messages.push(`${name}: ${message}`);
    },
    rethrow(error: unknown): never {
      if (program.thrown() !== undefined) throw programFailure(program.thrown());
      if (messages.length && !messages.every(isTransientFailure)) throw new ResourceOperationError(messages.join('; '));
      // Only the machinery around the resources failed (a runtime restarting, a plugin killed): the
      // caller may run the engine again, which converges.
      if (messages.length) throw new Error(messages.join('; '));
      throw error;
    },
  };
}

/**
 * The program's exports as the stack's outputs, read in this process once the program has run: the
 * engine resolved them during the update, so they are the values it recorded, each secret where
 * anything in it is (a whole output is withheld for one secret inside).
 */
function programExports(program: PulumiFn): { program: PulumiFn; outputs(): Promise<OutputMap> } {
  let exported: Record<string, unknown> | undefined;
  return {
    program: async () => {
      exported = (await program()) as Record<string, unknown> | undefined;
      return exported;
    },
    outputs: async () => {
      const entries = await Promise.all(
        Object.entries(exported ?? {}).map(async ([key, exportedValue]) => {
          const output = pulumi.output(exportedValue) as pulumi.Output<unknown>;
          const [value, secret] = await Promise.all([new Promise<unknown>((resolve) => output.apply(resolve)), pulumi.isSecret(output)]);
          return [key, { value, secret }] as const;
        }),
      );
      // As `pulumi stack output` shows them: an export without a value is no output.
      return Object.fromEntries(entries.filter(([, output]) => output.value !== undefined));
    },
  };
}

/** Stacks whose decrypted outputs a worker keeps: a service's components and those they refer to, many times over. */
const DECRYPTED_OUTPUTS_KEPT = 256;

/** Exports resolve while the engine runs; after it, reading them takes microseconds. */
const EXPORTS_WAIT_MS = 5_000;

/**
 * The Automation API's `up` ends with three more CLI runs (`stack output` twice, for the outputs
 * with and without secrets, and `stack history` for the summary), each a process that loads the
 * stack's state: about a second of a component's four. The program's exports and the engine's
 * summary event carry the same, so this stack answers both from them.
 */
function withoutReadsAfterUp(stack: Stack, outputs: () => Promise<OutputMap>): void {
  stack.outputs = async () => {
    // An export that never resolves would hang the operation: the CLI's answer is the way out.
    return (await withTimeout(outputs(), EXPORTS_WAIT_MS)) ?? stack.workspace.stackOutputs(stack.name);
  };
  withoutSummaryRead(stack);
}

/**
 * `up` and `destroy` end by reading the update's summary back (`pulumi stack history`, one more CLI
 * run): `up` takes its changes from the engine's summary event, and nothing reads a destroy's.
 */
function withoutSummaryRead(stack: Stack): void {
  stack.info = async () => undefined;
}

/**
 * A new stack: `stack init` straight away (createOrSelectStack would first try `stack select`, one
 * more CLI run that fails), or a select where another run created it meanwhile.
 */
async function createStack(args: InlineProgramArgs, options: LocalWorkspaceOptions): Promise<Stack> {
  try {
    return await LocalWorkspace.createStack(args, options);
  } catch (error) {
    if (error instanceof StackAlreadyExistsError) return LocalWorkspace.selectStack(args, options);
    throw error;
  }
}

/**
 * The stack's settings file as the workspace would keep it, with the salt its state's secrets are
 * encrypted with. Without it, every engine run makes up a new salt for the stack's config, derives
 * a key from it (a million rounds of PBKDF2, about 0.17 s of CPU on the run's critical path) on top
 * of the one for the state's salt, and re-encrypts the state with the new one; with it, the run
 * derives one key, which Pulumi keeps by salt for both.
 */
function stackSettingsOf(id: ComponentStackId, state: string): Record<string, StackSettings> | undefined {
  const encryptionSalt = recordedEncryptionSalt(state);
  return encryptionSalt ? { [id.stack]: { secretsProvider: 'passphrase', encryptionSalt } } : undefined;
}

/**
 * Selecting a stack is a CLI run (`pulumi stack select`, a third of a second on the critical path of
 * every engine operation) that only checks the stack exists: every later command names its stack.
 * For a stack whose state was just read, the workspace skips it (the engine itself fails on a stack
 * removed in between, as it would after a select).
 */
function withoutSelectRun(workspace: LocalWorkspace): LocalWorkspace {
  workspace.selectStack = async () => undefined;
  return workspace;
}

/** Stack outputs as plain values; secret ones are withheld (callers that need them read them in the worker). */
export const SECRET_OUTPUT = '[secret]';

function flaggedOutputs(outputs: OutputMap): ComponentOutputs {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, { value: output.value, secret: output.secret }]));
}

function visibleOutputs(outputs: OutputMap): Record<string, unknown> {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.secret ? SECRET_OUTPUT : output.value]));
}

function toConfigMap(config: Record<string, string>): ConfigMap {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, { value }]));
}

function progressListener(hooks: RunHooks): (event: EngineEvent) => void {
  return (event) => {
    if (!hooks.onProgress) return;
    if (event.resourcePreEvent) {
      const { urn, op } = event.resourcePreEvent.metadata;
      hooks.onProgress({ resource: urn, op, phase: 'started' });
    } else if (event.resOutputsEvent) {
      const { urn, op } = event.resOutputsEvent.metadata;
      hooks.onProgress({ resource: urn, op, phase: 'done' });
    } else if (event.resOpFailedEvent) {
      const { urn, op } = event.resOpFailedEvent.metadata;
      hooks.onProgress({ resource: urn, op, phase: 'failed' });
    }
  };
}
