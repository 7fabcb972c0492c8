import fs from 'node:fs';
import path from 'node:path';
import { sha256, stableStringify } from '../../../model/hash';
import { OWNER_ONLY_FILE } from '../../../ownerOnly';
import { canaryReplicas, CanaryDesired, ComponentHealth, ComponentState, MicroServiceDesired, MicroServiceRevisionSpec } from '../api';
import { LoadBalancer } from './proxy';
import { ProcessUsage } from './metrics';
import { portTakenNote } from './portClaims';
import { describeCheck, Replica, Revision } from './replica';
import { freePort } from '../../../tcpPorts';
import { ComponentRunner, RunnerContext } from './runner';

const USAGE_SAMPLE_INTERVAL_MS = 5000;
const DRAIN_TIMEOUT_MS = 10000;
const MAX_RESTART_DELAY_MS = 30000;
// How far back a failed rollout looks in a replica's log for the line that says why.
const FAILURE_LOG_LINES = 200;
// Variables of the runtime a replica inherits; everything else comes from the component.
const INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'];

/** Why a rollout or scale-out did not converge; the previous replicas keep serving. */
export class RolloutError extends Error {}

/**
 * A MicroService on this machine, the way ECS runs one behind an ALB: N replicas of the current
 * revision behind a stable load-balancer port; rolling updates start the new revision beside the
 * old and shift traffic only once it is healthy; crashed or unhealthy replicas are replaced. A
 * canary runs a new revision's replicas beside the stable ones for a share of the requests, until
 * it is promoted (it becomes the stable revision) or aborted (it stops; stable takes everything).
 */
export class MicroServiceRunner implements ComponentRunner<MicroServiceDesired> {
  private desired?: MicroServiceDesired;
  private revision?: Revision;
  /** Replicas of the current revision: the load balancer sends traffic to the healthy ones. */
  private serving: Replica[] = [];
  /** A new revision taking `weight` percent of the requests beside the current one. */
  private canary?: { revision: Revision; replicas: Replica[]; weight: number };
  private readonly balancer: LoadBalancer;
  private port = 0;
  private rollingOut?: string;
  /** The port the spec declares (the container port on aws). */
  private declaredPort?: number;
  private listening = false;
  private readonly usage = new Map<string, ProcessUsage>();
  private readonly usageTimer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly context: RunnerContext,
    saved: { port?: number } = {},
  ) {
    this.balancer = new LoadBalancer(context.metrics);
    this.port = saved.port ?? 0;
    context.ports.hold(this.port, context.key);
    this.usageTimer = setInterval(() => this.sampleUsage(), USAGE_SAMPLE_INTERVAL_MS);
    this.usageTimer.unref();
  }

  async restore(desired: MicroServiceDesired): Promise<void> {
    this.declaredPort = desired.port;
    await this.listen(desired);
    this.desired = desired;
    const revision = this.revisionFor(desired);
    this.revision = revision;
    this.serving = await this.launchMany(revision, desired.replicas);
    if (desired.canary) {
      const canary = this.revisionFor(desired.canary.revision);
      this.canary = { revision: canary, replicas: await this.launchMany(canary, canaryReplicas(desired.replicas, desired.canary.weight)), weight: desired.canary.weight };
    }
    this.shiftTraffic();
  }

  async apply(desired: MicroServiceDesired): Promise<void> {
    this.declaredPort = desired.port;
    await this.listen(desired);
    const revision = this.revisionFor(desired);
    const timeoutMs = desired.healthTimeoutSeconds * 1000;
    if (desired.canary) {
      if (revision.id !== this.revision?.id) await this.rollOut(revision, desired.replicas, timeoutMs);
      else await this.scaleTo(desired.replicas, timeoutMs);
      await this.runCanary(desired.canary, desired.replicas, timeoutMs);
    } else if (this.canary?.revision.id === revision.id) {
      await this.promoteCanary(desired.replicas, timeoutMs);
    } else {
      if (this.canary) await this.stopCanary(`${this.canary.revision.version} stopped; ${this.revision?.version ?? 'the stable revision'} takes every request again`);
      if (revision.id !== this.revision?.id) await this.rollOut(revision, desired.replicas, timeoutMs);
      else await this.scaleTo(desired.replicas, timeoutMs);
    }
    this.desired = desired;
  }

  /** A change of the desired count made outside deployer (`deployer local scale`), as in a console. */
  async scale(replicas: number, reason: string): Promise<void> {
    if (!this.desired) throw new Error('the component has not been deployed yet');
    const from = this.desired.replicas;
    this.desired = { ...this.desired, replicas };
    this.context.events.record('scaled', `desired replicas ${from} -> ${replicas} (${reason})`);
    await this.scaleTo(replicas, this.desired.healthTimeoutSeconds * 1000);
  }

  async state(): Promise<ComponentState> {
    const desired = this.desired;
    const healthy = this.serving.filter((replica) => replica.state === 'healthy').length;
    const url = `http://127.0.0.1:${this.port}`;
    const { secretEnvironment: _secret, canary: desiredCanary, ...visible } = desired ?? ({} as Partial<MicroServiceDesired>);
    const canary = this.canary;
    return {
      kind: 'MicroService',
      actual: desiredCanary ? { ...visible, canary: { weight: desiredCanary.weight, revision: withoutSecrets(desiredCanary.revision) } } : visible,
      outputs: { url },
      secretOutputs: [],
      status: {
        state: this.rollingOut ? 'updating' : !desired || desired.replicas === 0 ? 'stopped' : healthy >= desired.replicas ? 'running' : 'degraded',
        desiredReplicas: desired?.replicas ?? 0,
        healthyReplicas: healthy,
        version: this.revision?.version,
        url,
        ...(canary && {
          canary: {
            version: canary.revision.version,
            weight: canary.weight,
            desiredReplicas: canary.replicas.length,
            healthyReplicas: canary.replicas.filter((replica) => replica.state === 'healthy').length,
          },
        }),
      },
    };
  }

  health(): ComponentHealth {
    const healthy = this.serving.filter((replica) => replica.state === 'healthy').length;
    const desired = this.desired?.replicas ?? 0;
    const canary = this.canary;
    const canaryHealthy = canary?.replicas.filter((replica) => replica.state === 'healthy').length ?? 0;
    return {
      kind: 'MicroService',
      healthy: healthy >= desired && canaryHealthy >= (canary?.replicas.length ?? 0),
      summary: `${healthy}/${desired} replicas healthy${canary ? `; canary ${canary.revision.version} ${canaryHealthy}/${canary.replicas.length} healthy, ${canary.weight}% of requests` : ''}`,
      replicas: this.replicas().map((replica) => replica.health()),
    };
  }

  /** Replica counts for metrics: running now, desired, and passing health checks. */
  replicaCounts() {
    const replicas = this.replicas();
    return {
      current: replicas.filter((replica) => replica.state !== 'exited').length,
      desired: (this.desired?.replicas ?? 0) + (this.canary?.replicas.length ?? 0),
      healthy: replicas.filter((replica) => replica.state === 'healthy').length,
    };
  }

  /** The replica `exec` runs beside: the named one (stable or canary), else the first healthy stable one. */
  replicaFor(id?: string): Replica | undefined {
    if (id) return this.replicas().find((replica) => replica.id === id);
    return this.serving.find((replica) => replica.state === 'healthy') ?? this.serving[0];
  }

  saved(): Record<string, unknown> {
    return { port: this.port };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.usageTimer);
    await Promise.all(this.replicas().map((replica) => replica.stop()));
    await this.balancer.close();
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.context.events.record('deleted', `stopped ${this.replicas().length} replicas and the load balancer on port ${this.port}`);
    fs.rmSync(path.join(this.context.dir, 'configs'), { recursive: true, force: true });
    this.context.ports.release(this.port, this.context.key);
  }

  /**
   * The load balancer: the component's address (its url). A new component's is its declared port
   * when that is free, so the app's port answers on this machine as it does in its container; its
   * replicas cannot all have it, so each listens on its own port, given in $PORT.
   */
  private async listen(desired: MicroServiceDesired): Promise<void> {
    if (this.listening) return;
    const recorded = this.port;
    let wanted = recorded;
    let note = '';
    if (!recorded) {
      const claimed = await this.context.ports.claim(desired.port, this.context.key);
      wanted = claimed.port;
      note = portTakenNote('its declared port', desired.port, claimed);
    }
    this.port = await this.balancer.listen(wanted);
    this.listening = true;
    if (wanted !== this.port) {
      this.context.ports.release(wanted, this.context.key);
      this.context.ports.hold(this.port, this.context.key);
      this.context.events.record('started', `load balancer port ${wanted} was taken; now on ${this.port}`);
    } else if (!recorded) {
      this.context.events.record('started', `load balancer listening on 127.0.0.1:${this.port}${note}`);
    }
    this.context.save();
  }

  private async rollOut(revision: Revision, replicas: number, timeoutMs: number): Promise<void> {
    const previous = this.revision;
    const count = `${replicas} replica${replicas === 1 ? '' : 's'}`;
    // The same version again is a restart with changed settings (a config file, a variable), not an upgrade.
    const what = !previous
      ? `starting ${revision.version} (${count})`
      : previous.version === revision.version
        ? `restarting ${revision.version} (${count}) with its changed configuration`
        : `rolling out ${revision.version} (${count}) beside ${previous.version}`;
    this.context.events.record('rollout', what);
    this.rollingOut = revision.version;
    const fresh = await this.launchMany(revision, replicas);
    try {
      await this.waitHealthy(fresh, timeoutMs, previous);
    } catch (error) {
      await Promise.all(fresh.map((replica) => replica.stop()));
      this.removeConfigs(revision);
      this.context.events.record('rollout', `rollout of ${revision.version} failed: ${(error as Error).message}`);
      throw error;
    } finally {
      this.rollingOut = undefined;
    }
    const old = this.serving;
    this.serving = fresh;
    this.revision = revision;
    this.shiftTraffic();
    await this.drainAndStop(old);
    if (previous) this.removeConfigs(previous);
    this.context.events.record('rollout', `${revision.version} serves with ${replicas} healthy replicas${previous ? `; ${previous.version} stopped` : ''}`);
  }

  private async scaleTo(replicas: number, timeoutMs: number): Promise<void> {
    const revision = this.revision;
    if (!revision) return;
    if (replicas > this.serving.length) {
      const added = await this.launchMany(revision, replicas - this.serving.length);
      this.serving = [...this.serving, ...added];
      this.shiftTraffic();
      try {
        await this.waitHealthy(added, timeoutMs);
      } catch (error) {
        this.serving = this.serving.filter((replica) => !added.includes(replica));
        this.shiftTraffic();
        await Promise.all(added.map((replica) => replica.stop()));
        throw error;
      }
    } else if (replicas < this.serving.length) {
      const removed = this.serving.slice(replicas);
      this.serving = this.serving.slice(0, replicas);
      this.shiftTraffic();
      await this.drainAndStop(removed);
    }
  }

  /**
   * A canary step: the canary's revision runs beside the stable one with its share of the replicas
   * and `weight` percent of the requests. A new revision must pass its health checks before it
   * takes any request; until then, and if it never does, the stable revision takes them all.
   */
  private async runCanary(desired: CanaryDesired, stableReplicas: number, timeoutMs: number): Promise<void> {
    const revision = this.revisionFor(desired.revision);
    const count = canaryReplicas(stableReplicas, desired.weight);
    if (this.canary?.revision.id !== revision.id) {
      if (this.canary) await this.stopCanary(`canary ${this.canary.revision.version} replaced by ${revision.version}`);
      this.context.events.record('rollout', `starting canary ${revision.version} (${count} replica${count === 1 ? '' : 's'}) beside ${this.revision?.version ?? 'nothing'}`);
      this.rollingOut = revision.version;
      const fresh = await this.launchMany(revision, count);
      try {
        await this.waitHealthy(fresh, timeoutMs, this.revision);
      } catch (error) {
        await Promise.all(fresh.map((replica) => replica.stop()));
        this.removeConfigs(revision);
        this.context.events.record('rollout', `canary ${revision.version} failed: ${(error as Error).message}`);
        throw error;
      } finally {
        this.rollingOut = undefined;
      }
      this.canary = { revision, replicas: fresh, weight: desired.weight };
    } else {
      const canary = this.canary;
      if (count > canary.replicas.length) {
        const added = await this.launchMany(revision, count - canary.replicas.length);
        await this.waitHealthy(added, timeoutMs, this.revision).catch(async (error: unknown) => {
          await Promise.all(added.map((replica) => replica.stop()));
          throw error;
        });
        canary.replicas = [...canary.replicas, ...added];
      } else if (count < canary.replicas.length) {
        const removed = canary.replicas.slice(count);
        canary.replicas = canary.replicas.slice(0, count);
        this.shiftTraffic();
        await this.drainAndStop(removed);
      }
      canary.weight = desired.weight;
    }
    this.shiftTraffic();
    this.context.events.record('rollout', `canary ${revision.version} takes ${desired.weight}% of requests; ${this.revision?.version ?? 'nothing'} the rest`);
  }

  /** The canary becomes the stable revision: its replicas stay, more start up to the count, the old stable drains. */
  private async promoteCanary(replicas: number, timeoutMs: number): Promise<void> {
    const canary = this.canary!;
    const previous = this.revision;
    const added = await this.launchMany(canary.revision, Math.max(0, replicas - canary.replicas.length));
    try {
      await this.waitHealthy(added, timeoutMs, previous);
    } catch (error) {
      await Promise.all(added.map((replica) => replica.stop()));
      throw error;
    }
    const fresh = [...canary.replicas, ...added];
    const surplus = fresh.slice(replicas);
    const old = this.serving;
    this.serving = fresh.slice(0, replicas);
    this.revision = canary.revision;
    this.canary = undefined;
    this.shiftTraffic();
    await this.drainAndStop([...old, ...surplus]);
    if (previous) this.removeConfigs(previous);
    this.context.events.record('rollout', `canary ${canary.revision.version} promoted: it serves every request with ${replicas} replicas${previous ? `; ${previous.version} stopped` : ''}`);
  }

  /** Sends every request back to the stable revision and stops the canary's replicas. */
  private async stopCanary(what: string): Promise<void> {
    const canary = this.canary;
    if (!canary) return;
    this.canary = undefined;
    this.shiftTraffic();
    await this.drainAndStop(canary.replicas);
    this.removeConfigs(canary.revision);
    this.context.events.record('rollout', what);
  }

  private shiftTraffic(): void {
    this.balancer.setTargets(this.serving, this.canary && { replicas: this.canary.replicas, weight: this.canary.weight });
  }

  /** Every replica in service: the stable revision's, then a canary's. */
  private replicas(): Replica[] {
    return [...this.serving, ...(this.canary?.replicas ?? [])];
  }

  private inService(replica: Replica): boolean {
    return this.serving.includes(replica) || Boolean(this.canary?.replicas.includes(replica));
  }

  private launchMany(revision: Revision, count: number): Promise<Replica[]> {
    return Promise.all(Array.from({ length: count }, () => this.launch(revision, 0)));
  }

  private async launch(revision: Revision, restarts: number): Promise<Replica> {
    const replica = new Replica(this.context.ref.component, revision, await freePort(), restarts, {
      logs: this.context.logs,
      events: this.context.events,
      children: this.context.children,
      onStateChange: (changed) => this.onStateChange(changed),
      onExit: (exited, code, signal) => this.onExit(exited, code, signal),
    });
    if (!this.stopped) replica.start();
    return replica;
  }

  private onStateChange(replica: Replica): void {
    // Like ECS behind an ALB: a serving replica that fails its checks is replaced.
    if (replica.state === 'unhealthy' && this.inService(replica) && !this.stopped) {
      this.context.events.record('restarted', `replacing unhealthy replica ${replica.id}`, replica.id);
      void replica.stop();
      this.replace(replica, 0);
    }
  }

  private onExit(replica: Replica, code: number | null, signal: NodeJS.Signals | null): void {
    const how = replica.startFailure ? `could not start: ${replica.startFailure}` : `exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
    this.context.events.record('exited', `replica ${replica.id} ${how}`, replica.id);
    if (this.inService(replica) && !this.stopped) {
      const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** replica.restarts);
      this.context.events.record('restarted', `replacing ${replica.id} in ${Math.round(delay / 1000)} s (restart ${replica.restarts + 1})`, replica.id);
      this.replace(replica, delay);
    }
  }

  private replace(replica: Replica, delayMs: number): void {
    // Nothing waits for a replacement (it runs from a timer); a failure to launch one (no free port)
    // is recorded on the component, and the serving list keeps the replica it could not replace.
    setTimeout(() => {
      this.replaceNow(replica).catch((error: unknown) => {
        this.context.events.record('restarted', `could not replace ${replica.id}: ${(error as Error).message}`, replica.id);
      });
    }, delayMs).unref();
  }

  private async replaceNow(replica: Replica): Promise<void> {
    if (!this.inService(replica) || this.stopped) return;
    const successor = await this.launch(replica.revision, replica.restarts + 1);
    if (!this.inService(replica)) {
      void successor.stop();
      return;
    }
    const swap = (replicas: Replica[]) => replicas.map((candidate) => (candidate === replica ? successor : candidate));
    this.serving = swap(this.serving);
    if (this.canary) this.canary.replicas = swap(this.canary.replicas);
    this.shiftTraffic();
  }

  /** Resolves when every replica passes its checks; rejects at the first that cannot, or at the deadline. */
  private async waitHealthy(replicas: Replica[], timeoutMs: number, previous?: Revision): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const keeps = previous ? `; ${previous.version} keeps serving` : '';
    for (;;) {
      const failed = replicas.find((replica) => replica.state === 'exited' || replica.state === 'unhealthy');
      if (failed) throw new RolloutError(`${await this.describeFailure(failed)}${keeps}`);
      if (replicas.every((replica) => replica.state === 'healthy')) return;
      if (Date.now() > deadline) {
        const waiting = replicas.find((replica) => replica.state !== 'healthy') ?? replicas[0]!;
        throw new RolloutError(`replica ${waiting.id} was not healthy after ${Math.round(timeoutMs / 1000)} s: ${await this.describeFailure(waiting)}${keeps}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async describeFailure(replica: Replica): Promise<string> {
    // Nothing ran: the reason the command could not start is the whole story.
    if (replica.startFailure) return replica.startFailure;
    const health = replica.health();
    const last = health.checks[health.checks.length - 1];
    const check = last ? `${replica.revision.healthCheck.path} -> ${describeCheck(last)}` : 'no health check answered';
    // The replica's last error says more than its last request line; a replica that fails says why
    // among its last lines, so older ones are not read.
    const lines = await this.context.logs.newest((line) => line.source === replica.id, FAILURE_LOG_LINES);
    const lastLog = [...lines].reverse().find((line) => line.stream === 'stderr' || /\b(ERROR|FATAL|Error)\b/.test(line.message)) ?? lines[lines.length - 1];
    const state = replica.state === 'exited' ? 'exited' : replica.state;
    return `${replica.revision.version} replica ${replica.id} ${state} (${check})${lastLog ? `; last log: ${lastLog.message}` : ''}${!last || last.error === 'connection refused' ? this.portHint(replica) : ''}`;
  }

  /** Nothing answered on the replica's port: most often an app that listens on a port of its own choosing. */
  private portHint(replica: Replica): string {
    const declared = this.declaredPort;
    const balancer = declared === this.port ? `; ${declared}, the declared port, is the component's load balancer` : '';
    return `. Nothing answered on the replica's port ${replica.port}: the app must listen on the port in $PORT. On the local target the replicas share one machine, so each has its own port${balancer}`;
  }

  private async drainAndStop(replicas: Replica[]): Promise<void> {
    const deadline = Date.now() + DRAIN_TIMEOUT_MS;
    while (replicas.some((replica) => replica.inFlight > 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(replicas.map((replica) => replica.stop()));
    for (const replica of replicas) this.context.events.record('stopped', `replica ${replica.id} (${replica.revision.version}) stopped`, replica.id);
  }

  private revisionFor(desired: MicroServiceRevisionSpec): Revision {
    const id = sha256(
      stableStringify({
        image: desired.image,
        command: desired.command,
        workingDir: desired.workingDir,
        environment: desired.environment,
        secretEnvironment: desired.secretEnvironment,
        configs: desired.configs,
        healthCheck: desired.healthCheck,
      }),
    ).slice(0, 12);
    const configDir = path.join(this.context.dir, 'configs', id);
    fs.mkdirSync(configDir, { recursive: true });
    for (const file of desired.configs) {
      const target = path.join(configDir, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content, { mode: OWNER_ONLY_FILE });
    }
    const inherited = Object.fromEntries(INHERITED_VARIABLES.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
    const version = desired.image.slice(desired.image.lastIndexOf(':') + 1);
    return {
      id,
      version,
      command: desired.command,
      workingDir: desired.workingDir,
      environment: { ...inherited, ...desired.environment, ...desired.secretEnvironment, VERSION: version, CONFIG_DIR: configDir },
      healthCheck: desired.healthCheck,
    };
  }

  private removeConfigs(revision: Revision): void {
    if (revision.id === this.revision?.id || revision.id === this.canary?.revision.id) return;
    fs.rmSync(path.join(this.context.dir, 'configs', revision.id), { recursive: true, force: true });
  }

  private sampleUsage(): void {
    const reservation = this.desired?.resources;
    if (!reservation) return;
    const replicas = this.replicas();
    for (const replica of replicas) {
      if (!replica.pid) continue;
      let usage = this.usage.get(replica.id);
      if (!usage) this.usage.set(replica.id, (usage = new ProcessUsage(replica.pid)));
      const sample = usage.sample(reservation);
      if (sample) this.context.metrics.recordResources(sample.cpuPercent, sample.memoryPercent);
    }
    for (const id of this.usage.keys()) if (!replicas.some((replica) => replica.id === id)) this.usage.delete(id);
  }
}

function withoutSecrets(revision: MicroServiceRevisionSpec): Omit<MicroServiceRevisionSpec, 'secretEnvironment'> {
  const { secretEnvironment: _secret, ...visible } = revision;
  return visible;
}
