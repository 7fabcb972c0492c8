import fs from 'node:fs';
import path from 'node:path';
import { sha256, stableStringify } from '../../../model/hash';
import { OWNER_ONLY_FILE } from '../../../ownerOnly';
import type { ComponentHealth, ComponentState, MicroServiceDesired } from '../api';
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
 * old and shift traffic only once it is healthy; crashed or unhealthy replicas are replaced.
 */
export class MicroServiceRunner implements ComponentRunner<MicroServiceDesired> {
  private desired?: MicroServiceDesired;
  private revision?: Revision;
  /** Replicas of the current revision: the load balancer sends traffic to the healthy ones. */
  private serving: Replica[] = [];
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
    this.balancer.setTargets(this.serving);
  }

  async apply(desired: MicroServiceDesired): Promise<void> {
    this.declaredPort = desired.port;
    await this.listen(desired);
    const revision = this.revisionFor(desired);
    const timeoutMs = desired.healthTimeoutSeconds * 1000;
    if (revision.id !== this.revision?.id) await this.rollOut(revision, desired.replicas, timeoutMs);
    else await this.scaleTo(desired.replicas, timeoutMs);
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
    const { secretEnvironment: _secret, ...visible } = desired ?? ({} as Partial<MicroServiceDesired>);
    return {
      kind: 'MicroService',
      actual: visible,
      outputs: { url },
      secretOutputs: [],
      status: {
        state: this.rollingOut ? 'updating' : !desired || desired.replicas === 0 ? 'stopped' : healthy >= desired.replicas ? 'running' : 'degraded',
        desiredReplicas: desired?.replicas ?? 0,
        healthyReplicas: healthy,
        version: this.revision?.version,
        url,
      },
    };
  }

  health(): ComponentHealth {
    const replicas = this.serving.map((replica) => replica.health());
    const healthy = replicas.filter((replica) => replica.state === 'healthy').length;
    const desired = this.desired?.replicas ?? 0;
    return {
      kind: 'MicroService',
      healthy: healthy >= desired,
      summary: `${healthy}/${desired} replicas healthy`,
      replicas,
    };
  }

  /** Replica counts for metrics: running now, desired, and passing health checks. */
  replicaCounts() {
    return {
      current: this.serving.filter((replica) => replica.state !== 'exited').length,
      desired: this.desired?.replicas ?? 0,
      healthy: this.serving.filter((replica) => replica.state === 'healthy').length,
    };
  }

  /** The replica `exec` runs beside: the named one, else the first healthy one. */
  replicaFor(id?: string): Replica | undefined {
    if (id) return this.serving.find((replica) => replica.id === id);
    return this.serving.find((replica) => replica.state === 'healthy') ?? this.serving[0];
  }

  saved(): Record<string, unknown> {
    return { port: this.port };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.usageTimer);
    await Promise.all(this.serving.map((replica) => replica.stop()));
    await this.balancer.close();
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.context.events.record('deleted', `stopped ${this.serving.length} replicas and the load balancer on port ${this.port}`);
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
    this.balancer.setTargets(fresh);
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
      this.balancer.setTargets(this.serving);
      try {
        await this.waitHealthy(added, timeoutMs);
      } catch (error) {
        this.serving = this.serving.filter((replica) => !added.includes(replica));
        this.balancer.setTargets(this.serving);
        await Promise.all(added.map((replica) => replica.stop()));
        throw error;
      }
    } else if (replicas < this.serving.length) {
      const removed = this.serving.slice(replicas);
      this.serving = this.serving.slice(0, replicas);
      this.balancer.setTargets(this.serving);
      await this.drainAndStop(removed);
    }
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
    if (replica.state === 'unhealthy' && this.serving.includes(replica) && !this.stopped) {
      this.context.events.record('restarted', `replacing unhealthy replica ${replica.id}`, replica.id);
      void replica.stop();
      this.replace(replica, 0);
    }
  }

  private onExit(replica: Replica, code: number | null, signal: NodeJS.Signals | null): void {
    const how = replica.startFailure ? `could not start: ${replica.startFailure}` : `exited with ${signal ? `signal ${signal}` : `code ${code}`}`;
    this.context.events.record('exited', `replica ${replica.id} ${how}`, replica.id);
    if (this.serving.includes(replica) && !this.stopped) {
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
    if (!this.serving.includes(replica) || this.stopped) return;
    const successor = await this.launch(replica.revision, replica.restarts + 1);
    if (!this.serving.includes(replica)) {
      void successor.stop();
      return;
    }
    this.serving = this.serving.map((candidate) => (candidate === replica ? successor : candidate));
    this.balancer.setTargets(this.serving);
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

  private revisionFor(desired: MicroServiceDesired): Revision {
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
    if (revision.id === this.revision?.id) return;
    fs.rmSync(path.join(this.context.dir, 'configs', revision.id), { recursive: true, force: true });
  }

  private sampleUsage(): void {
    const reservation = this.desired?.resources;
    if (!reservation) return;
    for (const replica of this.serving) {
      if (!replica.pid) continue;
      let usage = this.usage.get(replica.id);
      if (!usage) this.usage.set(replica.id, (usage = new ProcessUsage(replica.pid)));
      const sample = usage.sample(reservation);
      if (sample) this.context.metrics.recordResources(sample.cpuPercent, sample.memoryPercent);
    }
    for (const id of this.usage.keys()) if (!this.serving.some((replica) => replica.id === id)) this.usage.delete(id);
  }
}
