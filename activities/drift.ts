import { ApplicationFailure, Context } from '@temporalio/activity';
import { upsertDriftSchedule } from '../src/drift/schedule';
import { componentCheck, componentReport, findingsOf } from '../src/drift/report';
import type { ReleaseRecord } from '../src/releases/releaseRecord';
import { pulumiStackName, serviceStackName } from '../src/model/componentRef';
import { componentDeployment } from '../src/targets/deployment';
import { refreshWithoutEngine } from '../src/targets/local/refreshRead';
import { targetFor } from '../src/targets/targetFor';
import { isRunning } from '../src/temporal/deployClient';
import { deployServiceWorkflowId } from '../src/temporal/deployment';
import type { ComponentTask, ServiceInEnvironment } from '../src/temporal/deploymentActivities';
import type {
  ComponentCheck,
  DriftScheduleRequest,
  DriftScheduleResult,
  DriftTarget,
  DriftTargetsInput,
  IgnoreDriftInput,
  IgnoreDriftResult,
  IgnoreRule,
  MarkDriftNotifiedInput,
  RecordDriftChecksInput,
  RecordedDriftChecks,
} from '../src/temporal/drift';
import { withHeartbeats } from './engineRun';
import type { DeploymentPorts, DriftPorts } from './ports';

/** Activities of drift detection, over the same ports as deployments plus the drift store and Temporal. */
export function createDriftActivities(ports: Pick<DeploymentPorts, 'stacks' | 'programs' | 'releases' | 'observe'> & DriftPorts) {
  return {
    /**
     * What to check: each service (one, or every service with a release in the stack and
     * environment) with its last good release. A service whose deployment is running is skipped:
     * mid-rollout, the engine's state and reality legitimately differ.
     */
    async driftTargets(input: DriftTargetsInput): Promise<DriftTarget[]> {
      const services = input.service ? [input.service] : await ports.releases.services(input.stack, input.environment);
      const releases = await Promise.all(services.map(async (service) => ({ service, release: await ports.releases.latest(input.stack, input.environment, service, ['succeeded']) })));
      if (!releases.some((item) => item.release)) {
        return releases.map(({ service }) => ({ service, status: 'not-deployed', reason: `${service} has no successful release in ${input.environment} to compare with`, components: [] }));
      }
      return ports.temporal.withClient(async (client) => {
        const targets: DriftTarget[] = [];
        for (const { service, release } of releases) {
          if (!release) {
            targets.push({ service, status: 'not-deployed', reason: `${service} has no successful release in ${input.environment} to compare with`, components: [] });
            continue;
          }
          const lock = deployServiceWorkflowId(input.stack, input.environment, service);
          const running = await isRunning(client, lock);
          targets.push({
            service,
            status: running ? 'skipped' : 'check',
            reason: running ? `a deployment of ${service} is running (${lock}); drift is checked once it has ended` : undefined,
            release: { version: release.version, finishedAt: release.finishedAt, deployedBy: release.deployedBy, workflowId: release.workflowId },
            environmentSpec: release.environmentSpec,
            channel: release.serviceSpec.notifications?.slack?.channel,
            components: running ? [] : release.components,
          });
        }
        return targets;
      });
    },

    /**
     * Refresh in preview mode of one component's stack (nothing changes), turned into its check:
     * only fields users wrote, desired from the release, secrets hidden. Done here in the worker so
     * no raw engine value (a secret) enters workflow history.
     */
    async checkComponentDrift(input: ComponentTask): Promise<ComponentCheck> {
      const { stack, environment, component } = input;
      const deployment = componentDeployment(stack, environment, component);
      const target = targetFor(environment.spec);
      const { id, member } = target.serviceStacks ? await ports.stacks.componentStack(serviceStackName(deployment.ref), pulumiStackName(deployment.ref), deployment.ref.component) : { id: pulumiStackName(deployment.ref) };
      const observer = await ports.observe(environment.spec);
      // Where the engine's refresh would only run the provider's read against the target (local), the
      // same read done here, against the state as recorded, costs no engine and no plugin process.
      if (target.driftReadsRecordedState) {
        const recorded = await ports.stacks.recordedResources(id, member);
        // Heartbeats: a settled read waits for an apply the runtime still runs on the component.
        const found = recorded && (await withHeartbeats(() => observer.state({ ...deployment.ref, kind: component.kind }, { settled: true })));
        const drifts = recorded && refreshWithoutEngine(recorded, found);
        if (drifts) return componentCheck(component, drifts, { rules: target.drift, status: component.kind === 'MicroService' ? undefined : found?.status.state });
      }
      const drifts = await withHeartbeats((hooks) => ports.stacks.previewRefresh(id, ports.programs.programFor(deployment), hooks, member));
      // Whether a data component runs is not in its settings, so the refresh cannot see it: ask the target.
      const status = component.kind === 'MicroService' ? undefined : (await observer.state({ ...deployment.ref, kind: component.kind }))?.status.state;
      return componentCheck(component, drifts, { rules: target.drift, status });
    },

    /**
     * Applies the service's ignore rules and remembers this run's findings: the report per
     * component (with first-seen times) and the findings nobody was told about yet.
     */
    async recordDriftChecks(input: RecordDriftChecksInput): Promise<RecordedDriftChecks> {
      const { stack, environment, service, checks, at } = input;
      const now = new Date(at);
      const rules = await ports.drift.ignores(stack, environment, service, now);
      const current = checks.flatMap((check) => findingsOf(check, rules, now).map((finding) => ({ ...finding, component: check.name, kind: check.kind })));
      const checked = checks.filter((check) => check.outcome !== 'error').map((check) => check.name);
      const findings = await ports.drift.observe(stack, environment, service, current, checked, at);
      const firstSeen = Object.fromEntries(Object.values(findings).map((finding) => [finding.key, finding.firstSeen]));
      return {
        components: checks.map((check) => componentReport(check, rules, firstSeen, now, input.showIgnored)),
        ignores: input.showIgnored ? rules : undefined,
        unnotified: current.filter((finding) => !findings[finding.key]?.notifiedAt),
      };
    },

    async markDriftNotified(input: MarkDriftNotifiedInput): Promise<void> {
      await ports.drift.markNotified(input.stack, input.environment, input.service, input.findings, input.at);
    },

    /** The service's last successful release: what remediation restores. */
    async lastGoodRelease(input: ServiceInEnvironment): Promise<ReleaseRecord> {
      const release = await ports.releases.latest(input.stack, input.environment, input.service, ['succeeded']);
      if (!release) throw ApplicationFailure.nonRetryable(`${input.service} has no successful release in ${input.environment}; there is no desired state to restore`, 'NotDeployed');
      return release;
    },

    /** Adds (or with `remove`, removes) an ignore rule of a service. */
    async setDriftIgnore(input: IgnoreDriftInput): Promise<IgnoreDriftResult> {
      const now = new Date();
      if (input.remove) return await ports.drift.removeIgnore(input.stack, input.environment, input.service, input.component, input.field, now);
      const rule: IgnoreRule = { component: input.component, field: input.field, until: input.until, reason: input.reason, by: input.by, at: now.toISOString() };
      return { ignores: await ports.drift.addIgnore(input.stack, input.environment, input.service, rule, now) };
    },

    /** Creates or updates the stack's drift Schedule in this environment, aimed at this worker's task queue. */
    async ensureDriftSchedule(input: DriftScheduleRequest): Promise<DriftScheduleResult> {
      const taskQueue = Context.current().info.taskQueue;
      try {
        return await ports.temporal.withClient((client) => upsertDriftSchedule(client, { ...input, taskQueue }));
      } catch (error) {
        // A cron Temporal refuses will be refused again: say so once, do not retry.
        if (invalidArgument(error)) throw ApplicationFailure.nonRetryable(`Temporal refused the drift schedule of ${input.stack} in ${input.environment}: ${(error as Error).message}`, 'InvalidDriftSchedule');
        throw error;
      }
    },
  };
}

/** gRPC INVALID_ARGUMENT anywhere in the error's causes (a cron expression Temporal cannot parse). */
function invalidArgument(error: unknown): boolean {
  for (let current = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; current = current.cause as typeof current, depth++) {
    if (current.code === 3) return true;
  }
  return false;
}
