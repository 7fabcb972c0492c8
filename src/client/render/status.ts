import type { ComponentKind } from '../../model/schema';
import type { ReleaseEntry } from '../../releases/releaseEntry';
import type { ComponentHealth, ComponentState } from '../../targets/observer';
import type { DeploymentPhase, DeploymentProgress } from '../../temporal/deployment';
import { box } from './box';
import { canaryLines } from './canary';

export interface ComponentStatusRow {
  name: string;
  kind: ComponentKind;
  state?: ComponentState;
  health?: ComponentHealth;
}

export interface ServiceStatus {
  service: string;
  environment: string;
  components: ComponentStatusRow[];
  lastRelease?: ReleaseEntry;
  /** The worker could not be asked for the release log: the components are the repo's, the last deployment unknown. */
  releasesUnknown?: boolean;
  /** The running deployment's workflow id, when one runs. */
  deploying?: string;
  /** Where that deployment is, when it could be asked. */
  running?: RunningDeployment;
}

/** What `status` shows of a running deployment. */
export type RunningDeployment = Pick<DeploymentProgress, 'version' | 'requestedBy' | 'phase' | 'startedAt' | 'canaries'>;

const RUNNING_PHASE: Partial<Record<DeploymentPhase, string>> = {
  planning: 'planning',
  'awaiting-approval': 'waiting for approval',
  deploying: 'deploying',
  verifying: 'checking health',
  monitoring: 'monitoring error rate, latency and health checks',
  'rolling-back': 'rolling back to the last good release',
};

const KIND_LABEL: Record<ComponentKind, string> = { MicroService: 'MicroService', RDS: 'RDS', ElastiCacheRedis: 'ElastiCache', SQS: 'SQS' };

/** The mission's service status box: components with status and health, then the last deployment. */
export function renderServiceStatus(status: ServiceStatus, now: Date = new Date()): string {
  const header = `${'Component'.padEnd(13)} ${'Type'.padEnd(15)} ${'Status'.padEnd(12)} Health`;
  const rows = status.components.map((row) => `${row.name.padEnd(13)} ${KIND_LABEL[row.kind].padEnd(15)} ${statusText(row).padEnd(12)} ${healthText(row)}`);
  const release = status.lastRelease;
  const footer = release
    ? [
        `Last deployed: ${formatTimestamp(new Date(release.finishedAt))} (${ago(new Date(release.finishedAt), now)})`,
        `Version: ${release.version}${release.result === 'succeeded' ? '' : ` (${release.result.replace('_', ' ')}${release.reason ? `: ${release.reason}` : ''})`}`,
        `Deployed by: ${release.deployedBy}`,
      ]
    : [status.releasesUnknown ? 'Last deployment: unknown (the worker keeps the release log and could not be asked).' : 'Not deployed to this environment yet.'];
  if (status.deploying) footer.push('', ...runningLines(status.deploying, status.running, now));
  return box(`Service: ${status.service} (${status.environment})`, [header], rows.length ? [...rows, '', ...footer] : footer);
}

/** The running deployment: which version, whose, how far, and a canary's step and what it waits for. */
function runningLines(workflowId: string, running: RunningDeployment | undefined, now: Date): string[] {
  if (!running) return [`⟳ A deployment is running (${workflowId}); follow it with --follow.`];
  const phase = RUNNING_PHASE[running.phase] ?? running.phase;
  const canaries = (running.canaries ?? []).filter((canary) => canary.state === 'running');
  return [
    `⟳ Deploying ${running.version} for ${running.requestedBy}, started ${ago(new Date(running.startedAt), now)}: ${phase}`,
    ...canaries.flatMap((canary) => canaryLines(canary, now).map((line) => line.replace(/^ {4}/, '  '))),
    `Follow it with --follow (${workflowId}).`,
  ];
}

function statusText(row: ComponentStatusRow): string {
  if (!row.state) return 'missing';
  if (row.kind === 'MicroService') {
    if (row.state.status.state === 'updating') return 'updating';
    return `${row.state.status.healthyReplicas ?? 0}/${row.state.status.desiredReplicas ?? 0} running`;
  }
  if (row.state.status.state === 'stopped') return 'stopped';
  return row.kind === 'SQS' ? 'active' : 'available';
}

function healthText(row: ComponentStatusRow): string {
  if (!row.health) return '✗ Not running';
  return row.health.healthy ? '✓ Healthy' : `✗ Unhealthy (${row.health.summary})`;
}

export function formatTimestamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function ago(date: Date, now: Date): string {
  const minutes = Math.round((now.getTime() - date.getTime()) / 60000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${Math.round(hours / 24)} days ago`;
}
