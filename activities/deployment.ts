import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EnvironmentSpec, ServiceFile } from '../src/model/schema';
import type { DesiredStack } from '../src/model/types';
import type { DeploymentNotification, Notifier } from '../src/notify/notifier';
import { buildPlan, DeploymentPlan } from '../src/plan/buildPlan';
import { ComponentStackId, ComponentStacks, ResourceOperationError } from '../src/pulumi/componentStacks';
import { lastReleased, ReleaseLog } from '../src/releases/releaseLog';
import type { ReleasedComponent, ReleaseRecord } from '../src/releases/releaseRecord';
import type { ComponentRef } from '../src/targets/deployment';
import type { RunTestsInput, TestResult } from '../src/temporal/deployment';
import type { Observer, ReleaseIdentity } from '../src/targets/observer';
import type { ObservedEnvironment } from '../src/targets/observers';
import { resolveLocalSecret } from '../src/targets/local/localSecrets';
import { ComponentOutputs, resolveValueFrom } from '../src/targets/resolveValueFrom';
import type { ProgramCatalogue } from './ports';

export interface DeploymentPorts {
  stacks: ComponentStacks;
  programs: ProgramCatalogue;
  releases: ReleaseLog;
  /** The observer of an environment's target (the local runtime, or CloudWatch/ECS/ELB in its region). */
  observe(environment: ObservedEnvironment): Promise<Observer>;
  notifier: Notifier;
}

/** One component to provision, as the workflow names it (plain JSON, no secrets). */
export interface ComponentTask {
  stack: string;
  environment: { name: string; spec: EnvironmentSpec };
  component: ReleasedComponent;
}

export interface MonitorRequest {
  environment: ObservedEnvironment;
  refs: ComponentRef[];
  /**
   * When the window opened (epoch ms, the workflow's clock). It comes from the workflow rather than
   * from the activity's heartbeat details: the activity's input is in the workflow's history, the
   * same on every attempt, whereas heartbeat details hold only what a heartbeat got to the server
   * before the worker died, and an attempt that died first would open a fresh window of its own.
   */
  windowStartedAt: number;
  windowMs: number;
  intervalMs: number;
  thresholds: { errorRatePercent: number; p99LatencyMs: number };
}

export interface MonitorBreach {
  reason: string;
  errorRatePercent: number;
  p99LatencyMs: number;
  unhealthy: string[];
}

// Below this many requests in the window an error rate says little (one 500 would be 100 %).
const MIN_REQUESTS_FOR_ERROR_RATE = 20;
// How far back an error rate looks: locally the last minute; on aws ALB figures come as one-minute
// points that arrive minutes late, so a minute back would see nothing and never breach.
const RATE_WINDOW_MS = { local: 60_000, aws: 300_000 };
const MONITOR_HEARTBEAT_MS = 5_000;
// The local runtime answers in microseconds; on aws each poll is several ECS/ELB calls, which AWS throttles.
const HEALTH_POLL_MS = { local: 500, aws: 5000 };
const RUNS_REMEMBERED = 50;

export function stackIdOf(stack: string, environment: string, componentId: string): ComponentStackId {
  const [service, component] = componentId.split('/') as [string, string];
  return { project: stack, stack: `${service}.${component}.${environment}` };
}

export function refOf(stack: string, environment: string, componentId: string): ComponentRef {
  const [service, component] = componentId.split('/') as [string, string];
  return { stack, environment, service, component };
}

/** Activities of the deployment workflows, over injected ports. */
export function createDeploymentActivities(ports: DeploymentPorts) {
  const emptyProgram = async () => ({});
  // Outputs of the components a deployment applied, by workflow run: a later wave of the same run
  // reads them here instead of asking the engine again. Nothing else writes those stacks while the
  // run holds the service's lock; other services' outputs are always read from their stacks.
  const producedInRun = new Map<string, Map<string, ComponentOutputs>>();
  const remember = (run: string, componentId: string, outputs: ComponentOutputs) => {
    if (!producedInRun.has(run)) {
      producedInRun.set(run, new Map());
      if (producedInRun.size > RUNS_REMEMBERED) producedInRun.delete(producedInRun.keys().next().value!);
    }
    producedInRun.get(run)!.set(componentId, outputs);
  };

  /**
   * What each gated MicroService's release created, from its outputs (this run's, else its stack's);
   * undefined for other kinds and for stacks applied before the program exported its task definition.
   */
  const releaseIdentities = (refs: ComponentRef[], run: string | undefined): Promise<(ReleaseIdentity | undefined)[]> =>
    Promise.all(
      refs.map(async (ref) => {
        if (ref.kind !== 'MicroService') return undefined;
        const id = `${ref.service}/${ref.component}`;
        const outputs = (run ? producedInRun.get(run)?.get(id) : undefined) ?? (await ports.stacks.outputs(stackIdOf(ref.stack, ref.environment, id), emptyProgram));
        const taskDefinitionArn = outputs.taskDefinitionArn?.value;
        return typeof taskDefinitionArn === 'string' ? { taskDefinitionArn } : undefined;
      }),
    );

  // A cleared lock means an engine was killed in the middle of a change to this component: worth
  // telling the people who watch the service, not only the worker's log.
  const announceStaleLock = (task: ComponentTask) => async (note: string) => {
    const [service] = task.component.id.split('/') as [string];
    await ports.notifier.notify({
      type: 'stale-lock-cleared',
      stack: task.stack,
      environment: task.environment.name,
      service,
      message: `${task.component.id}: ${note}; this deployment went on`,
      workflowId: Context.current().info.workflowExecution?.workflowId,
      at: new Date().toISOString(),
    });
  };

  return {
    /**
     * Plan of one service against its last good release, and that release (the rollback point).
     * Components in `force` are updated even when their spec is unchanged (drift remediation: `up`
     * refreshes first, so re-applying the same spec puts reality back).
     */
    async planService(input: { desired: DesiredStack; service: string; force?: string[] }): Promise<{ plan: DeploymentPlan; planHash: string; released: ReleasedComponent[] }> {
      const { desired, service } = input;
      // What a cancelled or failed deployment since the last good release touched may not be what
      // that release says: apply it again.
      const history = await ports.releases.history(desired.stack, desired.environment.name, service);
      const lastGood = history.findIndex((record) => record.result === 'succeeded');
      const released = lastGood === -1 ? [] : history[lastGood]!.components;
      const sinceGood = lastGood === -1 ? history : history.slice(0, lastGood);
      const unsettled = sinceGood.flatMap((record) => record.touched ?? []);
      const force = new Set([...(input.force ?? []), ...unsettled]);
      const compared = force.size ? released.map((component) => (force.has(component.id) ? { ...component, specHash: `${component.specHash}:forced` } : component)) : released;
      // The other services' releases: valueFrom and dependsOn may name their components.
      const others = (await ports.releases.services(desired.stack, desired.environment.name)).filter((name) => name !== service);
      const releasedOthers = new Map(await Promise.all(others.map(async (name) => [name, await lastReleased(ports.releases, desired.stack, desired.environment.name, name)] as const)));
      const releasedOf = (name: string) => (name === service ? compared : (releasedOthers.get(name) ?? []));
      const plan = buildPlan(desired, releasedOf, [service], (name) => resolveLocalSecret(name) !== undefined);
      // Approvals are bound to this hash: a decision made on one plan never approves another.
      return { plan, planHash: createHash('sha256').update(JSON.stringify(plan)).digest('hex'), released };
    },

    /** Pulumi `up` of one component; its valueFrom inputs are read from other stacks here, in the worker. */
    async applyComponent(task: ComponentTask): Promise<{ durationMs: number; changes: Record<string, number> }> {
      const { stack, environment, component } = task;
      // Only components named by valueFrom have outputs this one reads (on aws, also those it depends
      // on: their security groups and queues admit it); each read is an engine call.
      const variables = (component.spec as { environment?: { valueFrom?: { component: string } }[] }).environment ?? [];
      const dependencies = environment.spec.target === 'aws' ? component.dependsOn : [];
      const sources = [...new Set([...variables.flatMap((variable) => (variable.valueFrom ? [variable.valueFrom.component] : [])), ...dependencies])];
      const run = Context.current().info.workflowExecution?.runId;
      const read = await Promise.all(sources.map((source) => (run ? producedInRun.get(run)?.get(source) : undefined) ?? ports.stacks.outputs(stackIdOf(stack, environment.name, source), emptyProgram)));
      const outputs = new Map(sources.map((source, index) => [source, read[index]!]));
      const deployment = {
        ref: refOf(stack, environment.name, component.id),
        kind: component.kind,
        spec: component.spec,
        configs: component.configs,
        environment: environment.spec,
        resolved: resolveValueFrom({ ...component, source: { file: '', line: 0, col: 0 } }, (source) => outputs.get(source)),
        dependencyOutputs: Object.fromEntries(dependencies.map((id) => [id, publicOutputs(outputs.get(id))])),
      };
      const outcome = await withHeartbeats(
        (hooks) => ports.stacks.up(stackIdOf(stack, environment.name, component.id), ports.programs.programFor(component.kind, deployment), {}, hooks),
        announceStaleLock(task),
      );
      if (run) remember(run, component.id, outcome.allOutputs);
      // aws RDS: the app's own database user, created by a one-off task the program defined (dbUsers.ts).
      if (environment.spec.target === 'aws' && component.kind === 'RDS') {
        const { ensureAppUser } = await import('../src/targets/aws/dbUsers');
        const { DatabaseUserError } = await import('../src/errors');
        await ensureAppUser(outcome.allOutputs, { region: environment.spec.region }, () => Context.current().heartbeat()).catch((error: unknown) => {
          throw error instanceof DatabaseUserError ? ApplicationFailure.nonRetryable(error.message, 'DatabaseUserFailed') : error;
        });
      }
      return { durationMs: outcome.durationMs, changes: outcome.changes };
    },

    /** Removes a component's resources and its stack (a component gone from the repo, or a rolled-back create). */
    async removeComponent(task: ComponentTask): Promise<void> {
      const { stack, environment, component } = task;
      const deployment = { ref: refOf(stack, environment.name, component.id), kind: component.kind, spec: component.spec, configs: component.configs, environment: environment.spec, resolved: {} };
      await withHeartbeats((hooks) => ports.stacks.destroy(stackIdOf(stack, environment.name, component.id), ports.programs.programFor(component.kind, deployment), hooks), announceStaleLock(task));
    },

    /**
     * The health gate: waits until every component reports healthy, or fails with what is not. On
     * aws a MicroService must also run the task definition this release registered: ECS's circuit
     * breaker may have put the previous one back, which no amount of waiting undoes.
     */
    async awaitHealthy(input: { environment: ObservedEnvironment; refs: ComponentRef[]; timeoutMs: number }): Promise<void> {
      const observer = await ports.observe(input.environment);
      const deadline = Date.now() + input.timeoutMs;
      const context = Context.current();
      const releases = input.environment.target === 'aws' ? await releaseIdentities(input.refs, context.info.workflowExecution?.runId) : [];
      for (;;) {
        const health = await Promise.all(input.refs.map(async (ref, index) => ({ ref, health: await observer.health(ref, releases[index]) })));
        const failing = health.filter((item) => !item.health.healthy);
        if (failing.length === 0) return;
        const final = failing.filter((item) => item.health.final);
        if (final.length || Date.now() > deadline) {
          const described = (final.length ? final : failing).map((item) => `${item.ref.service}/${item.ref.component} (${item.health.summary})`).join(', ');
          throw ApplicationFailure.nonRetryable(final.length ? `not running this release: ${described}` : `not healthy after ${Math.round(input.timeoutMs / 1000)} s: ${described}`, 'HealthGateFailed');
        }
        context.heartbeat();
        await context.sleep(HEALTH_POLL_MS[input.environment.target]);
      }
    },

    /**
     * The monitoring window as one activity: history stays the same size however long it lasts.
     * Every attempt checks at least once, and its first check reads the figures since the window
     * opened: a retry after a worker crash (even one that starts after the window ended) knows
     * nothing of what an earlier attempt saw, nor of the time no worker was watching.
     */
    async monitorRelease(request: MonitorRequest): Promise<MonitorBreach | undefined> {
      const context = Context.current();
      const observer = await ports.observe(request.environment);
      const endsAt = request.windowStartedAt + request.windowMs;
      let firstCheck = true;
      do {
        // Heartbeats keep coming while it waits: a check interval as long as the heartbeat timeout
        // (30 s, the default) must not read as a dead worker.
        const checkAt = Math.min(Date.now() + request.intervalMs, endsAt);
        do {
          context.heartbeat();
          await context.sleep(Math.min(MONITOR_HEARTBEAT_MS, Math.max(0, checkAt - Date.now())));
        } while (Date.now() < checkAt);
        const since = firstCheck ? request.windowStartedAt : Math.max(request.windowStartedAt, Date.now() - RATE_WINDOW_MS[request.environment.target]);
        firstCheck = false;
        const breach = await checkThresholds(observer, request, new Date(since));
        if (breach) return breach;
      } while (Date.now() < endsAt);
      return undefined;
    },

    /**
     * The service's tests from service.yaml: HTTP checks against a component's url, and commands run
     * in the worker's shell with `<COMPONENT>_URL` set for each MicroService of the service.
     */
    async runServiceTests(input: RunTestsInput): Promise<TestResult[]> {
      const released = await lastReleased(ports.releases, input.stack, input.environment, input.service);
      if (released.length === 0) throw ApplicationFailure.nonRetryable(`${input.service} has never been deployed to ${input.environment}; deploy it before testing it`, 'NotDeployed');
      const urls: Record<string, string> = {};
      for (const component of released.filter((candidate) => candidate.kind === 'MicroService')) {
        const outputs = await ports.stacks.outputs(stackIdOf(input.stack, input.environment, component.id), emptyProgram);
        if (outputs.url) urls[component.name] = String(outputs.url.value);
      }
      const results: TestResult[] = [];
      for (const test of input.tests) {
        const started = Date.now();
        const outcome = 'http' in test ? await httpTest(test, urls) : await commandTest(test, urls);
        results.push({ name: test.name, ...outcome, durationMs: Date.now() - started });
        Context.current().heartbeat(test.name);
      }
      return results;
    },

    async recordRelease(record: ReleaseRecord): Promise<void> {
      await ports.releases.append(record);
    },

    async notify(notification: DeploymentNotification): Promise<void> {
      await ports.notifier.notify(notification);
    },

    /** Services of a stack that run something in an environment, by the release log. */
    async deployedServices(input: { stack: string; environment: string }): Promise<string[]> {
      const services = await ports.releases.services(input.stack, input.environment);
      const released = await Promise.all(services.map((service) => lastReleased(ports.releases, input.stack, input.environment, service)));
      return services.filter((_, index) => released[index]!.length > 0);
    },

    /** The newest release record of a service (any result), or null when it was never released there. */
    async lastRelease(input: { stack: string; environment: string; service: string }): Promise<ReleaseRecord | null> {
      return (await ports.releases.history(input.stack, input.environment, input.service, 1))[0] ?? null;
    },

    /** The release a rollback returns to: the named version, else the last good one before the current. */
    async findRollbackTarget(input: { stack: string; environment: string; service: string; toVersion?: string }): Promise<ReleaseRecord> {
      const good = (await ports.releases.history(input.stack, input.environment, input.service)).filter((record) => record.result === 'succeeded');
      const target = input.toVersion ? good.find((record) => record.version === input.toVersion) : good[1];
      if (!target) {
        const versions = [...new Set(good.map((record) => record.version))];
        throw ApplicationFailure.nonRetryable(
          input.toVersion
            ? `${input.service} has no successful release ${input.toVersion} in ${input.environment}; successful releases: ${versions.join(', ') || 'none'}`
            : `${input.service} has no earlier successful release in ${input.environment} to roll back to${versions.length ? ` (only ${versions[0]})` : ''}`,
          'NoRollbackTarget',
        );
      }
      return target;
    },
  };
}

export type { RunTestsInput, TestResult } from '../src/temporal/deployment';

type ServiceTest = ServiceFile['spec']['tests'][number];

async function httpTest(test: Extract<ServiceTest, { http: unknown }>, urls: Record<string, string>): Promise<Omit<TestResult, 'name' | 'durationMs'>> {
  const base = urls[test.http.component];
  if (!base) return { passed: false, detail: `component ${test.http.component} has no url (is it deployed?)` };
  try {
    const response = await fetch(`${base}${test.http.path}`, { method: test.http.method, signal: AbortSignal.timeout(test.timeoutSeconds * 1000) });
    const body = await response.text();
    const statusOk = response.status === test.http.expectStatus;
    const bodyOk = !test.http.expectBodyContains || body.includes(test.http.expectBodyContains);
    const detail = `${test.http.method} ${test.http.path} -> ${response.status}${statusOk ? '' : ` (expected ${test.http.expectStatus})`}${bodyOk ? '' : `; body lacks "${test.http.expectBodyContains}"`}`;
    return { passed: statusOk && bodyOk, detail };
  } catch (error) {
    return { passed: false, detail: `${test.http.method} ${test.http.path} failed: ${(error as Error).message}` };
  }
}

async function commandTest(test: Extract<ServiceTest, { command: string }>, urls: Record<string, string>): Promise<Omit<TestResult, 'name' | 'durationMs'>> {
  const variables = Object.fromEntries(Object.entries(urls).map(([component, url]) => [`${component.toUpperCase().replace(/-/g, '_')}_URL`, url]));
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', test.command], { env: { ...process.env, ...variables }, timeout: test.timeoutSeconds * 1000 });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ passed: false, detail: error.message }));
    child.on('close', (code, signal) => {
      const tail = output.trim().split('\n').slice(-3).join(' | ');
      resolve({ passed: code === 0, detail: `${signal ? `killed by ${signal}` : `exit ${code}`}${tail ? `: ${tail}` : ''}` });
    });
  });
}

async function checkThresholds(observer: Observer, request: MonitorRequest, since: Date): Promise<MonitorBreach | undefined> {
  let requests = 0;
  let errors = 0;
  let p99 = 0;
  const unhealthy: string[] = [];
  for (const ref of request.refs) {
    const [metrics, health] = await Promise.all([observer.metrics(ref, since), observer.health(ref)]);
    requests += metrics.requests.total;
    errors += metrics.requests.errors;
    p99 = Math.max(p99, metrics.latencyMs.p99);
    if (!health.healthy) unhealthy.push(`${ref.service}/${ref.component} (${health.summary})`);
  }
  const errorRate = requests ? Math.round((errors / requests) * 10000) / 100 : 0;
  const reasons: string[] = [];
  if (requests >= MIN_REQUESTS_FOR_ERROR_RATE && errorRate > request.thresholds.errorRatePercent) reasons.push(`error rate ${errorRate}% > ${request.thresholds.errorRatePercent}%`);
  if (p99 > request.thresholds.p99LatencyMs) reasons.push(`p99 latency ${p99} ms > ${request.thresholds.p99LatencyMs} ms`);
  if (unhealthy.length) reasons.push(`health checks failing: ${unhealthy.join(', ')}`);
  return reasons.length ? { reason: reasons.join('; '), errorRatePercent: errorRate, p99LatencyMs: p99, unhealthy } : undefined;
}

type Hooks = { signal: AbortSignal; terminate: AbortSignal; onProgress: (progress: unknown) => void; onStaleLockCleared: (note: string) => Promise<void> };

// Heartbeats carry the latest engine progress; the interval keeps a long silent step (a database
// being created) from looking like a dead worker.
const HEARTBEAT_INTERVAL_MS = 5000;
// How long an engine nobody waits for may go on to finish its step in flight before it is ended.
const ABANDONED_ENGINE_GRACE_MS = 10_000;

/** Runs an engine operation in an activity: heartbeats, cancellation, and a cleared stale lock logged and passed to `onStaleLockCleared`. */
export async function withHeartbeats<T>(run: (hooks: Hooks) => Promise<T>, onStaleLockCleared?: (note: string) => Promise<void>): Promise<T> {
  const context = Context.current();
  let latest: unknown;
  const timer = setInterval(() => context.heartbeat(latest), HEARTBEAT_INTERVAL_MS);
  const abandoned = whenAbandoned(context);
  try {
    return await run({
      // Temporal aborts this signal when the workflow cancels the activity (delivered on heartbeat);
      // the Automation API then interrupts the engine, which finishes its in-flight step and stops.
      signal: context.cancellationSignal,
      terminate: abandoned.signal,
      onProgress: (progress) => {
        latest = progress;
        context.heartbeat(progress);
      },
      onStaleLockCleared: async (note) => {
        context.log.warn(note);
        await onStaleLockCleared?.(note);
      },
    });
  } catch (error) {
    // The engine reports an interrupted run as a command error; tell Temporal it was a cancellation
    // so the workflow ends cancelled rather than failed.
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    if (error instanceof ResourceOperationError) throw ApplicationFailure.nonRetryable(error.message, 'ResourceOperationFailed');
    throw error;
  } finally {
    clearInterval(timer);
    abandoned.dispose();
  }
}

/**
 * Aborts a short grace after the activity is cancelled because nobody waits for its outcome: its
 * workflow closed (a forced unlock terminates it; a heartbeat then answers not-found) or this
 * attempt timed out and another runs. Such an engine would keep the stack's lock while it finishes
 * a step that may never end (a rollout waiting for a process that cannot start); a cancellation
 * the workflow asked for is left to finish cleanly.
 */
function whenAbandoned(context: Context): { signal: AbortSignal; dispose(): void } {
  const abandoned = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  const onCancel = () => {
    const details = context.cancellationDetails;
    if (!details?.notFound && !details?.timedOut) return;
    context.log.warn(`the workflow no longer waits for this engine run (${details.notFound ? 'workflow closed' : 'attempt timed out'}); ending it in ${ABANDONED_ENGINE_GRACE_MS / 1000} s unless it stops first`);
    grace = setTimeout(() => abandoned.abort(), ABANDONED_ENGINE_GRACE_MS);
  };
  context.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  return {
    signal: abandoned.signal,
    dispose() {
      clearTimeout(grace);
      context.cancellationSignal.removeEventListener('abort', onCancel);
    },
  };
}

/** A dependency's outputs without its secrets: security group ids, ports and ARNs are all a program needs. */
export function publicOutputs(outputs: ComponentOutputs | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(outputs ?? {}).flatMap(([name, output]) => (output.secret ? [] : [[name, String(output.value)]])));
}
