import { ApplicationFailure, patched } from '@temporalio/workflow';
import { checkLimit, DRIFT_CHECKS_AT_ONCE } from '../src/drift/checkLimit';
import { driftNotificationMessage, failedCheck } from '../src/drift/report';
import { rootCause } from '../src/errors';
import { deployServiceWorkflowId } from '../src/temporal/deployment';
import type {
  ComponentCheck,
  DetectDriftInput,
  DetectDriftResult,
  DriftTarget,
  IgnoreDriftInput,
  IgnoreDriftResult,
  RemediateDriftInput,
  RemediateDriftResult,
  ServiceDriftReport,
} from '../src/temporal/drift';
import { quick, refreshPreview } from './activityOptions';
import { deployServiceChild, desiredFromRelease } from './serviceChild';

/**
 * Detects drift of one service, or of every service released in a stack and environment (the
 * Schedule's run): a refresh preview of every component stack of each service's last good release,
 * a few at once (DRIFT_CHECKS_AT_ONCE across the run); a report per component with what differs field by field, severity, likely cause and
 * when first seen. New findings are notified once; ignored fields never count.
 */
export async function detectDrift(input: DetectDriftInput): Promise<DetectDriftResult> {
  const checkedAt = new Date().toISOString();
  const targets = await quick.driftTargets({ stack: input.stack, environment: input.environment, service: input.service });
  // Runs recorded before the bound started every check at once; they replay that way.
  const limit: Limit = patched('drift-checks-bounded') ? checkLimit(DRIFT_CHECKS_AT_ONCE) : (task) => task();
  let notified = 0;
  const services = await Promise.all(
    targets.map(async (target): Promise<ServiceDriftReport> => {
      if (target.status !== 'check') return { service: target.service, status: target.status, reason: target.reason, release: target.release, components: [] };
      const report = await checkService(input, target, checkedAt, limit);
      notified += report.notified;
      return report.report;
    }),
  );
  const drifted = services.some((service) => service.components.some((component) => component.status === 'drifted' || component.status === 'deleted'));
  return { stack: input.stack, environment: input.environment, service: input.service, checkedAt, trigger: input.trigger, drifted, services, notified };
}

type Limit = <T>(task: () => Promise<T>) => Promise<T>;

async function checkService(input: DetectDriftInput, target: DriftTarget, checkedAt: string, limit: Limit): Promise<{ report: ServiceDriftReport; notified: number }> {
  const environment = { name: input.environment, spec: target.environmentSpec! };
  const checks = await Promise.all(
    target.components.map((component) =>
      limit(() => refreshPreview.checkComponentDrift({ stack: input.stack, environment, component })).catch((error: unknown): ComponentCheck => failedCheck(component, rootCause(error).message)),
    ),
  );
  const service = target.service;
  const recorded = await quick.recordDriftChecks({ stack: input.stack, environment: input.environment, service, checks, at: checkedAt, showIgnored: input.showIgnored });
  let notified = 0;
  if (input.notify !== false && recorded.unnotified.length) {
    await quick.notify({
      type: 'drift',
      stack: input.stack,
      environment: input.environment,
      service,
      version: target.release?.version,
      by: input.requestedBy,
      message: driftNotificationMessage(input.environment, recorded.unnotified),
      channel: target.channel,
      at: checkedAt,
      details: { drift: recorded.unnotified.map(({ component, kind, field }) => ({ component, kind, field: field && { field: field.field, desired: field.desired, actual: field.actual, severity: field.severity, cause: field.cause } })) },
    });
    await quick.markDriftNotified({ stack: input.stack, environment: input.environment, service, findings: recorded.unnotified.map(({ key, fingerprint }) => ({ key, fingerprint })), at: checkedAt });
    notified = recorded.unnotified.length;
  }
  return {
    report: { service, status: 'checked', release: target.release, components: recorded.components, ...(recorded.ignores ? { ignores: recorded.ignores } : {}) },
    notified,
  };
}

/**
 * Restores a service's drifted components to its last good release through the normal deployment
 * path: a deployService of kind `remediate` (the service's lock, health gate, monitoring, release
 * record), re-applying the drifted components although their spec is unchanged. Then checks again.
 */
export async function remediateDrift(input: RemediateDriftInput): Promise<RemediateDriftResult> {
  const detect = (trigger: DetectDriftInput['trigger']) => detectDrift({ stack: input.stack, environment: input.environment, service: input.service, trigger, requestedBy: input.requestedBy, notify: false });
  const before = (await detect('remediate')).services[0]!;
  if (before.status === 'not-deployed') throw ApplicationFailure.nonRetryable(before.reason ?? `${input.service} is not deployed to ${input.environment}`, 'NotDeployed');
  const workflowId = deployServiceWorkflowId(input.stack, input.environment, input.service);
  if (before.status === 'skipped') throw ApplicationFailure.nonRetryable(`${input.service} in ${input.environment} is locked by a running deployment (${workflowId})`, 'ServiceLocked', workflowId);
  const drifted = before.components.filter((component) => component.status === 'drifted' || component.status === 'deleted').map((component) => component.id);
  if (drifted.length === 0) return { phase: 'no-drift', remediated: [], before };

  const release = await quick.lastGoodRelease({ stack: input.stack, environment: input.environment, service: input.service });
  const result = await deployServiceChild({
    desired: desiredFromRelease(input.stack, input.environment, input.service, release),
    service: input.service,
    requestedBy: input.requestedBy,
    version: release.version,
    kind: 'remediate',
    reason: input.reason ?? `drift remediation of ${drifted.join(', ')}`,
    force: drifted,
  });
  const after = (await detect('remediate')).services[0];
  return { phase: result.phase, reason: result.reason, workflowId, version: release.version, remediated: drifted, before, after };
}

/** Adds or removes a drift ignore rule of a service, in the worker's drift state. */
export async function ignoreDrift(input: IgnoreDriftInput): Promise<IgnoreDriftResult> {
  return quick.setDriftIgnore(input);
}
