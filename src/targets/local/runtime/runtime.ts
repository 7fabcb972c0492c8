import fs from 'node:fs';
import path from 'node:path';
import { ComponentRef, parseRuntimeKey } from '../../../model/componentRef';
import { ComponentHealth, ComponentMetrics, ComponentState, DesiredComponent, ExecTarget, LogLine, LogQuery, RuntimeEvent } from '../api';
import { OWNER_ONLY_FILE, ownerOnlyDir } from '../../../ownerOnly';
import { ChildLedger } from './childLedger';
import { EventJournal, LogJournal } from './journal';
import { LogRetention, logRetentionFromEnvironment } from './logSegments';
import { MetricsRecorder } from './metrics';
import { MicroServiceRunner } from './microService';
import { PortClaims } from './portClaims';
import { PostgresRunner } from './postgres';
import { RedisRunner } from './redis';
import { RuntimeRequestError } from './requestError';
import { ComponentGoneError, ComponentRunner, RunnerContext } from './runner';
import { QueueRunner, SqsEmulator } from './sqs';

/** What the runtime keeps per component so it can bring it back after a restart. */
interface ComponentRecord {
  desired: DesiredComponent;
  saved: Record<string, unknown>;
}

interface Entry {
  context: RunnerContext;
  runner: ComponentRunner;
  desired?: DesiredComponent;
}

/**
 * The local runtime: runs components on this machine for the local target's dynamic providers,
 * keeps their records under `<state>/local/components/<key>/`, and restores them on start.
 */
export class LocalRuntime {
  private readonly entries = new Map<string, Entry>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly emulator: SqsEmulator;
  private readonly children: ChildLedger;
  private readonly ports = new PortClaims();

  constructor(
    private readonly dir: string,
    private readonly logRetention: LogRetention = logRetentionFromEnvironment(),
  ) {
    // As root, PostgreSQL runs as the `postgres` user, which must pass through to its data directory.
    ownerOnlyDir(dir, { othersMayPass: process.getuid?.() === 0 });
    fs.mkdirSync(this.componentsDir, { recursive: true });
    this.children = new ChildLedger(path.join(dir, 'children'));
    this.emulator = new SqsEmulator(dir, new LogJournal(path.join(dir, 'sqs', 'logs.jsonl'), logRetention), new EventJournal(path.join(dir, 'sqs', 'events.jsonl')), this.children);
  }

  private get componentsDir(): string {
    return path.join(this.dir, 'components');
  }

  /**
   * Starts every component recorded by earlier runs; one that fails to start is reported in its
   * events. What a killed runtime left running is ended first: it holds the components' ports and
   * PostgreSQL's data directory, so nothing could start beside it.
   */
  async restore(): Promise<void> {
    const reaped = await this.children.reapLeftovers();
    if (reaped.length) console.log(`stopped what a previous runtime left running: ${reaped.join(', ')}`);
    const keys = fs.readdirSync(this.componentsDir).filter((key) => fs.existsSync(this.recordFile(key)));
    await Promise.all(
      keys.map(async (key) => {
        const record = JSON.parse(fs.readFileSync(this.recordFile(key), 'utf8')) as ComponentRecord;
        const entry = this.entryFor(key, record.desired.kind, record.saved);
        entry.desired = record.desired;
        try {
          await entry.runner.restore(record.desired as never);
        } catch (error) {
          entry.context.events.record('exited', `could not start after a runtime restart: ${(error as Error).message}`);
        }
      }),
    );
  }

  apply(key: string, desired: DesiredComponent): Promise<ComponentState> {
    return this.serialize(key, async () => {
      const existing = this.entries.get(key);
      if (existing?.desired && existing.desired.kind !== desired.kind) {
        throw new RuntimeRequestError(409, `component ${key} is a ${existing.desired.kind}, not a ${desired.kind}; delete it first`);
      }
      const entry = existing ?? this.entryFor(key, desired.kind, {});
      try {
        await entry.runner.apply(desired as never);
      } catch (error) {
        // A component that never ran is forgotten; one that ran keeps its previous desired state.
        if (!entry.desired) {
          await entry.runner.destroy().catch(() => undefined);
          this.entries.delete(key);
          fs.rmSync(path.join(this.componentsDir, key), { recursive: true, force: true });
        }
        throw new RuntimeRequestError(422, (error as Error).message);
      }
      entry.desired = desired;
      this.save(key);
      return entry.runner.state();
    });
  }

  async state(key: string): Promise<ComponentState | undefined> {
    const entry = this.entries.get(key);
    if (!entry?.desired) return undefined;
    try {
      return await entry.runner.state();
    } catch (error) {
      if (error instanceof ComponentGoneError) return undefined;
      throw error;
    }
  }

  /**
   * The state once the operations already asked of the component have ended. A refresh reads
   * this: an apply whose client went away (a dead provider plugin or engine) still runs here, and
   * what it leaves behind, not what was recorded before it, is what the next deployment must see.
   */
  settledState(key: string): Promise<ComponentState | undefined> {
    return this.serialize(key, () => this.state(key));
  }

  async list(): Promise<{ key: string; state: ComponentState }[]> {
    const keys = [...this.entries.keys()].sort();
    const states = await Promise.all(keys.map(async (key) => ({ key, state: await this.state(key) })));
    return states.filter((item): item is { key: string; state: ComponentState } => item.state !== undefined);
  }

  remove(key: string): Promise<boolean> {
    return this.serialize(key, async () => {
      const entry = this.entries.get(key);
      if (!entry) return false;
      await entry.runner.destroy();
      this.entries.delete(key);
      fs.rmSync(path.join(this.componentsDir, key), { recursive: true, force: true });
      return true;
    });
  }

  /** Changes a MicroService's desired replicas outside deployer, as someone in a cloud console would. */
  scale(key: string, replicas: number, reason: string): Promise<ComponentState> {
    return this.serialize(key, async () => {
      const { entry, runner } = this.microService(key);
      await runner.scale(replicas, reason);
      entry.desired = { ...(entry.desired as DesiredComponent & { kind: 'MicroService' }), replicas };
      this.save(key);
      return runner.state();
    });
  }

  /** Synchronous until the log files are open: a follower subscribing right after misses no line and sees none twice. */
  logs(key: string, query: LogQuery): Promise<LogLine[]> {
    return this.existing(key).context.logs.query(query);
  }

  followLogs(key: string, onLine: Parameters<LogJournal['subscribe']>[0]): () => void {
    return this.existing(key).context.logs.subscribe(onLine);
  }

  events(key: string, since?: string): RuntimeEvent[] {
    return this.existing(key).context.events.since(since);
  }

  health(key: string): ComponentHealth {
    return this.existing(key).runner.health();
  }

  metrics(key: string, since: Date): ComponentMetrics {
    const entry = this.existing(key);
    const now = new Date();
    const runner = entry.runner;
    return {
      since: since.toISOString(),
      until: now.toISOString(),
      ...entry.context.metrics.requestSummary(since.getTime()),
      resources: entry.context.metrics.resourceSummary(since.getTime()),
      replicas: runner instanceof MicroServiceRunner ? runner.replicaCounts() : { current: 0, desired: 0, healthy: 0 },
      revisions: entry.context.metrics.revisionSummary(since.getTime()),
    };
  }

  execTarget(key: string, replicaId?: string): ExecTarget {
    const { runner } = this.microService(key);
    const replica = runner.replicaFor(replicaId);
    if (!replica) throw new RuntimeRequestError(404, replicaId ? `no replica ${replicaId} in ${key}` : `${key} has no running replica`);
    return { replica: replica.id, workingDir: replica.revision.workingDir, environment: replica.environment() };
  }

  /** Stops everything, keeping data: the next start restores it. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => entry.runner.stop().catch(() => undefined)));
    await this.emulator.stop();
  }

  private entryFor(key: string, kind: DesiredComponent['kind'], saved: Record<string, unknown>): Entry {
    const ref = parseRuntimeKey(key);
    if (!ref) throw new RuntimeRequestError(400, `"${key}" is not a component key (<stack>.<environment>.<service>.<component>)`);
    const dir = path.join(this.componentsDir, key);
    const context: RunnerContext = {
      ref,
      key,
      dir,
      logs: new LogJournal(path.join(dir, 'logs.jsonl'), this.logRetention),
      events: new EventJournal(path.join(dir, 'events.jsonl')),
      metrics: new MetricsRecorder(),
      children: this.children,
      ports: this.ports,
      save: () => this.save(key),
    };
    const entry: Entry = { context, runner: this.runnerFor(kind, context, saved, ref) };
    this.entries.set(key, entry);
    return entry;
  }

  private runnerFor(kind: DesiredComponent['kind'], context: RunnerContext, saved: Record<string, unknown>, ref: ComponentRef): ComponentRunner {
    switch (kind) {
      case 'MicroService':
        return new MicroServiceRunner(context, saved);
      case 'RDS':
        return new PostgresRunner(context, saved);
      case 'ElastiCacheRedis':
        return new RedisRunner(context, saved);
      case 'SQS':
        return new QueueRunner(context, this.emulator);
      default:
        throw new RuntimeRequestError(400, `the local target cannot run ${String(kind)} (${ref.service}/${ref.component})`);
    }
  }

  private existing(key: string): Entry {
    const entry = this.entries.get(key);
    if (!entry) throw new RuntimeRequestError(404, `no component ${key} runs on the local target`);
    return entry;
  }

  private microService(key: string): { entry: Entry; runner: MicroServiceRunner } {
    const entry = this.existing(key);
    if (!(entry.runner instanceof MicroServiceRunner)) throw new RuntimeRequestError(400, `${key} is not a MicroService`);
    return { entry, runner: entry.runner };
  }

  private recordFile(key: string): string {
    return path.join(this.componentsDir, key, 'record.json');
  }

  /** Records hold resolved secrets: readable by the owner only, like the Pulumi state. */
  private save(key: string): void {
    const entry = this.entries.get(key);
    if (!entry?.desired) return;
    const record: ComponentRecord = { desired: entry.desired, saved: entry.runner.saved() };
    fs.mkdirSync(path.dirname(this.recordFile(key)), { recursive: true });
    fs.writeFileSync(this.recordFile(key), JSON.stringify(record, null, 2), { mode: OWNER_ONLY_FILE });
  }

  /** Operations on one component run one after another; different components run in parallel. */
  private serialize<T>(key: string, operation: () => Promise<T>): Promise<T> {
    const next = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(operation);
    this.queues.set(key, next);
    return next;
  }
}
