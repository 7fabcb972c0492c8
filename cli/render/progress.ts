import { formatDelta } from '../../src/plan/cost';
import { describeChange } from '../../src/plan/describeChange';
import type { CanaryProgress } from '../../src/releases/canary';
import type { ComponentProgress, DeploymentProgress, DeployServiceResult, WaveProgress } from '../../src/temporal/deployment';
import { box } from '../../src/client/render/box';
import { isoSeconds, minutesAndSeconds, printable } from '../../src/client/render/format';
import { canaryLines } from '../../src/client/render/canary';
import { parseComponentId } from '../../src/model/componentRef';

/** What the target says of a MicroService's replicas while it rolls out or is monitored. */
export interface LiveMicroService {
  /** Replicas running and passing their health checks. */
  healthy: number;
  /** Replicas the release asks for. */
  desired: number;
  /** passing: every replica answers its checks; failing: some do not; starting: none has answered yet. */
  checks: 'passing' | 'failing' | 'starting';
}

/** Live state of MicroServices, when the caller can observe them: id -> replicas and health checks. */
export type LiveReplicas = Record<string, LiveMicroService>;

const CHECKS_LABEL: Record<LiveMicroService['checks'], string> = { passing: 'Passing', failing: 'Failing', starting: 'Starting' };

const SYMBOL: Record<ComponentProgress['state'], string> = { pending: '·', running: '⟳', done: '✓', failed: '✗', 'rolled-back': '↺' };

const PHASE_LINE: Partial<Record<DeploymentProgress['phase'], string>> = {
  planning: 'Planning…',
  'awaiting-approval': 'Waiting for approval',
  deploying: 'Deploying',
  verifying: 'Checking health',
  monitoring: 'Monitoring error rate, latency and health checks',
  'rolling-back': 'Rolling back to the last good release',
};

/** The mission's "Deployment Progress" box: waves, each component's state and timing, elapsed time. */
export function renderProgress(progress: DeploymentProgress, now: Date = new Date(), live: LiveReplicas = {}): string {
  const body: string[] = [];
  for (const wave of progress.waves) {
    body.push(`Wave ${wave.index}: ${waveLabel(wave)}`);
    for (const component of wave.components) {
      body.push(...componentLines(component, now, liveWhileWatched(progress, component, live)));
      const canary = progress.canaries?.find((candidate) => candidate.component === component.id);
      if (canary) body.push(...canaryLines(canary, now));
    }
    body.push('');
  }
  if (progress.waves.length === 0) body.push(progress.phase === 'planning' ? 'Planning…' : 'No changes to deploy.', '');
  const phase = PHASE_LINE[progress.phase];
  if (phase) body.push(phase, ...monitoringDetail(progress, now));
  if (progress.phase === 'awaiting-approval') body.push(`Approvers: ${progress.approval.approvers.join(', ')}`);
  body.push(`Elapsed: ${minutesAndSeconds(elapsedMs(progress, now))}`);
  return box(`Deployment Progress: ${progress.service} (${progress.environment})`, body);
}

/** How the approval box ends: the question for someone who may approve, or what happens instead. */
export type ApprovalBoxEnding = { ask: true } | { ask: false; lines: string[] };

/** The mission's approval box, with the plan's changes, cost delta, approvers and deadline. */
export function renderApprovalRequest(progress: DeploymentProgress, ending: ApprovalBoxEnding = { ask: true }, now: Date = new Date()): string {
  const title = `${capitalize(progress.environment)} Deployment Approval Required`;
  const changes = (progress.plan?.waves ?? []).flatMap((wave) => wave.changes).flatMap((change) => {
    const name = parseComponentId(change.id)?.component ?? change.id;
    const details = describeChange(change).map((line) => line.replace(/^(\w+): /, '$1 '));
    // One detail reads as the mission's `api: Update image v1.1.0 → v1.2.0`; more get a line each.
    if (details.length <= 1) return [`  • ${name}: ${capitalize(change.action)} ${details[0] ?? change.kind}`];
    return [`  • ${name}: ${capitalize(change.action)}`, ...details.map((detail) => `      ${detail}`)];
  });
  const deadline = progress.approval.deadline;
  const body = [
    `Stack: ${progress.stack}`,
    `Service: ${progress.service}`,
    `Version: ${progress.version}`,
    `Requested by: ${progress.requestedBy}`,
    '',
    'Changes:',
    ...changes,
    '',
    `Estimated cost change: ${formatDelta(progress.plan?.cost.delta ?? 0)}/month`,
    '',
    'Approvers:',
    ...progress.approval.approvers.map((approver) => `  - ${approver}`),
    ...(deadline ? ['', `Decide by: ${isoSeconds(deadline)} (in ${minutesAndSeconds(Date.parse(deadline) - now.getTime())}; then nothing is deployed)`] : []),
    ...(ending.ask ? ['', 'Approve this deployment? (yes/no):'] : ending.lines.length ? ['', ...ending.lines] : []),
  ];
  return box(title, body);
}

/** The complete command an approver runs for this deployment. */
export function approveCommand(progress: DeploymentProgress): string {
  return `deployer approve --stack ${progress.stack} --service ${progress.service} --environment ${progress.environment}`;
}

/**
 * The approval box's ending where nobody is asked here: why (the requester may not approve, or there
 * is no terminal to answer on), then the command an approver runs, printed after the box on a line
 * of its own so that it is pasted whole (inside the box it would wrap).
 */
export function approverInstructions(progress: DeploymentProgress, whyNotYou?: string): { lines: string[]; command?: string } {
  const channels = progress.approval.policy?.approval.channels ?? ['cli'];
  const refused = whyNotYou ? [`You cannot approve this one: ${whyNotYou}.`] : [];
  // Where the CLI may not decide, the command would be refused: approvers use the Slack app's message.
  if (!channels.includes('cli')) return { lines: [...refused, `Waiting for an approver to decide through ${channels.join(' or ')}.`] };
  if (!whyNotYou) return { lines: ['You may approve it: run the command below from a terminal, or apply with --yes.'], command: approveCommand(progress) };
  return { lines: [...refused, 'Waiting for an approver, who runs the command below.'], command: approveCommand(progress) };
}

export interface OutcomeContext {
  annotations: Record<string, string>;
  /** `<service>/<component>` of the service's first MicroService, for the next-step commands. */
  mainComponent?: string;
  environment: string;
}

/** What the user reads when the deployment ended: the mission's success summary, or what went wrong and what to do. */
export function renderOutcome(result: DeployServiceResult, context: OutcomeContext): string {
  // The version and the reason come from the workflow (and so from whoever started it).
  return outcomeText(result, context).split('\n').map(printable).join('\n');
}

function outcomeText(result: DeployServiceResult, context: OutcomeContext): string {
  const { progress } = result;
  const duration = minutesAndSeconds(elapsedMs(progress, new Date(progress.finishedAt ?? Date.now())));
  const updated = (progress.plan?.waves ?? []).reduce((sum, wave) => sum + wave.changes.length, 0) + (progress.plan?.deletions.length ?? 0);
  const component = context.mainComponent;
  switch (result.phase) {
    case 'succeeded':
      return [
        '✓ Deployment successful!',
        `  Duration: ${duration}`,
        `  Version: ${progress.version}`,
        `  Resources updated: ${updated}`,
        '',
        '  Next steps:',
        ...(component
          ? [`  - Monitor metrics: deployer metrics --component ${component} --environment ${context.environment}`, `  - View logs: deployer logs --component ${component} --environment ${context.environment} --follow`]
          : [`  - Status: deployer status --service ${progress.service} --environment ${context.environment}`]),
        ...(context.annotations.dashboard ? [`  - Dashboard: ${context.annotations.dashboard}`] : []),
        ...(context.annotations.runbook ? [`  - Runbook: ${context.annotations.runbook}`] : []),
      ].join('\n');
    case 'unchanged':
      return `✓ Nothing to deploy: ${progress.service} in ${progress.environment} already runs what the repo describes.`;
    case 'rolled-back':
      return [
        `✗ Deployment of ${progress.version} rolled back after ${duration}`,
        `  Why: ${result.reason}`,
        // A first deployment has no previous release: what it created was removed again.
        result.release && result.release.components.length === 0 ? '  Nothing was deployed here before; what this deployment created was removed.' : '  The previous release is serving again.',
        `  Details: deployer show --component ${component ?? `${progress.service}/<component>`} --environment ${context.environment} --show-events`,
      ].join('\n');
    case 'rejected':
      return `✗ Deployment of ${progress.version} was ${result.reason ?? 'rejected'}. Nothing was deployed.`;
    case 'timed-out':
      return `✗ Nobody approved ${progress.version} in time (${result.reason}). Nothing was deployed; apply again when an approver is available.`;
    case 'cancelled':
      return `✗ Deployment of ${progress.version} was cancelled after ${duration}; running operations were stopped.`;
    default:
      return [`✗ Deployment of ${progress.version} failed after ${duration}`, `  Why: ${result.reason}`, `  History: deployer history --service ${progress.service} --environment ${context.environment}`].join('\n');
  }
}

/** One line per change worth telling a log reader (non-TTY follow). */
export function progressEvents(before: DeploymentProgress | undefined, after: DeploymentProgress): string[] {
  const lines: string[] = [];
  for (const wave of after.waves) {
    for (const component of wave.components) {
      const old = before?.waves.find((candidate) => candidate.index === wave.index)?.components.find((candidate) => candidate.id === component.id);
      if (old?.state === component.state) continue;
      if (component.state === 'pending') continue;
      const timing = component.startedAt && component.finishedAt ? ` (${minutesAndSeconds(Date.parse(component.finishedAt) - Date.parse(component.startedAt))})` : '';
      lines.push(printable(`  wave ${wave.index} ${component.id}: ${component.state}${timing}${component.error ? ` — ${component.error}` : ''}`));
    }
  }
  for (const canary of after.canaries ?? []) lines.push(...canaryEvents(before?.canaries?.find((candidate) => candidate.component === canary.component), canary));
  if (before?.phase !== after.phase && after.phase !== 'planning' && after.phase !== 'unchanged') lines.push(`→ ${after.phase}${phaseDetail(after)}`);
  return lines;
}

/** What a log reader needs to know of a phase that may last long: monitoring says for how long, and what rolls back. */
function phaseDetail(progress: DeploymentProgress): string {
  const monitoring = progress.monitoring;
  if (progress.phase !== 'monitoring' || !monitoring) return '';
  return ` for ${minutesAndSeconds(monitoring.windowMs)} (rollback above ${monitoring.thresholds.errorRatePercent}% errors or p99 ${monitoring.thresholds.p99LatencyMs} ms; rollout.monitorWindow sets how long)`;
}

/** A canary's news for a log reader: a step begun, a wait for a promotion, a step's outcome, the canary's end. */
function canaryEvents(before: CanaryProgress | undefined, after: CanaryProgress): string[] {
  const prefix = `  canary ${after.canaryVersion} of ${after.component}:`;
  const lines: string[] = [];
  for (const step of after.steps) {
    const old = before?.steps.find((candidate) => candidate.step === step.step);
    const label = `step ${step.step}/${after.plannedSteps.length} (${step.weight}% of requests)`;
    if (!old) lines.push(`${prefix} ${label} begins`);
    if (step.waiting?.manual && !old?.waiting?.manual) lines.push(`${prefix} ${label} waits for \`deployer promote\` (or \`deployer abort\`)`);
    if (step.outcome && !old?.outcome) lines.push(`${prefix} ${label} ${step.outcome}${step.reason ? `: ${step.reason}` : ''}`);
  }
  if (after.state !== 'running' && before?.state !== after.state) lines.push(`${prefix} ${after.state}`);
  return lines.map(printable);
}

function componentLines(component: ComponentProgress, now: Date, live?: LiveMicroService): string[] {
  const name = parseComponentId(component.id)?.component ?? component.id;
  const started = component.startedAt ? Date.parse(component.startedAt) : undefined;
  const ended = component.finishedAt ? Date.parse(component.finishedAt) : now.getTime();
  const detail = live ? `(${live.healthy}/${live.desired} running)` : started ? `(${minutesAndSeconds(ended - started)})` : '';
  const lines = [`  ${SYMBOL[component.state]} ${name.padEnd(17)} ${stateLabel(component).padEnd(17)} ${detail}`.trimEnd()];
  if (live) lines.push(`    └─ Health checks: ${CHECKS_LABEL[live.checks]}`);
  if (component.error) lines.push(`    └─ ${component.error}`);
  return lines;
}

/**
 * A MicroService's live replicas are worth a line while it rolls out and while the release is
 * checked and monitored after it (the replicas are what could still fail); not once it ended.
 */
function liveWhileWatched(progress: DeploymentProgress, component: ComponentProgress, live: LiveReplicas): LiveMicroService | undefined {
  if (component.kind !== 'MicroService' || component.action === 'delete') return undefined;
  const watched = component.state === 'running' || (component.state === 'done' && (progress.phase === 'verifying' || progress.phase === 'monitoring'));
  return watched ? live[component.id] : undefined;
}

function stateLabel(component: ComponentProgress): string {
  switch (component.state) {
    case 'pending':
      return 'Waiting';
    case 'running':
      if (component.action === 'delete') return 'Removing';
      if (component.kind === 'MicroService') return component.action === 'create' ? 'Starting' : 'Rolling update';
      return component.action === 'create' ? 'Creating' : 'Updating';
    case 'done':
      return component.kind === 'SQS' ? 'Active' : component.kind === 'MicroService' ? 'Running' : 'Available';
    case 'failed':
      return 'Failed';
    case 'rolled-back':
      return 'Rolled back';
  }
}

function waveLabel(wave: WaveProgress): string {
  return wave.components.some((component) => component.kind === 'MicroService') ? 'Application' : 'Dependencies';
}

/** The monitoring window's time left and what rolls back, on lines of their own so the box stays narrow. */
function monitoringDetail(progress: DeploymentProgress, now: Date): string[] {
  const monitoring = progress.monitoring;
  if (progress.phase !== 'monitoring' || !monitoring?.startedAt) return [];
  const left = monitoring.windowMs - (now.getTime() - Date.parse(monitoring.startedAt));
  return [
    `  ${minutesAndSeconds(Math.max(0, left))} left of ${minutesAndSeconds(monitoring.windowMs)}`,
    `  Rollback above ${monitoring.thresholds.errorRatePercent}% errors or p99 ${monitoring.thresholds.p99LatencyMs} ms`,
  ];
}

function elapsedMs(progress: DeploymentProgress, now: Date): number {
  return (progress.finishedAt ? Date.parse(progress.finishedAt) : now.getTime()) - Date.parse(progress.startedAt);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
