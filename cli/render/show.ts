import { ReleaseEntry, sameRelease } from '../../src/releases/releaseEntry';
import type { ReleaseResult } from '../../src/releases/releaseRecord';
import type { ComponentRef } from '../../src/model/componentRef';
import type { ComponentState, RuntimeEvent } from '../../src/targets/observer';
import { box, boxTextWidth } from '../../src/client/render/box';
import { calendar, elapsed, hanging, isoSeconds, table } from '../../src/client/render/format';

export interface ShowReport {
  ref: ComponentRef;
  state: ComponentState;
  /** The service's newest release record, whatever its result. */
  lastRelease?: ReleaseEntry;
  /** The newest successful one, when the newest is not (what should be running). */
  lastSuccessful?: ReleaseEntry;
  /** With --show-events: the component's events, oldest first. */
  events?: RuntimeEvent[];
}

/** What the component runs as, in a line or two: image for a MicroService, engine for data components. */
export function runsAs(state: ComponentState): [string, string][] {
  const actual = state.actual;
  const text = (key: string) => (typeof actual[key] === 'string' || typeof actual[key] === 'number' ? String(actual[key]) : undefined);
  switch (state.kind) {
    case 'MicroService':
      return [['Image', text('image') ?? 'unknown']];
    case 'RDS':
      return [
        ['Engine', [text('engine'), text('version')].filter(Boolean).join(' ') || 'unknown'],
        ['Database', text('database') ?? 'unknown'],
      ];
    case 'ElastiCacheRedis':
      return [['Engine', `redis ${text('version') ?? ''}`.trim()]];
    case 'SQS':
      return [['Type', actual.fifo ? 'fifo' : 'standard']];
    default:
      return [];
  }
}

export const MAX_EVENTS_SHOWN = 50;


/** `deployer show`: what runs, the last release, and with --show-events the component's timeline. */
export function renderShow(report: ShowReport, timeZone?: string): string {
  const { ref, state } = report;
  const status = state.status;
  const running: [string, string][] = [
    ['Kind', state.kind],
    ['Stack', ref.stack],
    ['Status', status.state],
    ...(status.version ? [['Version', status.version] as [string, string]] : []),
    ...runsAs(state),
    ...(state.kind === 'MicroService' ? [['Replicas', `${status.healthyReplicas ?? 0}/${status.desiredReplicas ?? 0} healthy`] as [string, string]] : []),
  ];
  const whatRuns = table(running.map(([label, value]) => [`${label}:`, value]), 1, [10]);
  // Secret outputs are masked already: commands read state through observedState.
  const outputs = Object.entries(state.outputs);
  if (outputs.length) whatRuns.push('Outputs:', ...table(outputs, 2).map((line) => `  ${line}`));

  const release: string[] = [];
  if (report.lastRelease) {
    release.push(...describeRelease(`Last release of ${ref.service}`, report.lastRelease, timeZone));
    if (report.lastSuccessful && !sameRelease(report.lastSuccessful, report.lastRelease)) release.push(...describeRelease('Last good release', report.lastSuccessful, timeZone));
  } else {
    release.push(`Last release of ${ref.service}: none recorded in the release log`);
  }

  const sections = [whatRuns, release];
  if (report.events) sections.push(renderTimeline(report.events));
  return box(`Component: ${ref.service}/${ref.component} (${ref.environment})`, ...sections);
}

const RESULT: Record<ReleaseResult, string> = { succeeded: '✓ succeeded', failed: '✗ failed', rolled_back: '⟲ rolled back', cancelled: '✗ cancelled', rejected: '✗ rejected' };

export function describeRelease(label: string, record: ReleaseEntry, timeZone?: string): string[] {
  const started = calendar(record.startedAt, timeZone);
  const took = elapsed(Date.parse(record.finishedAt) - Date.parse(record.startedAt));
  const lines = [`${label}: ${record.version} ${RESULT[record.result] ?? record.result}`, `  When:     ${started.ymd} ${started.time} by ${record.deployedBy} (took ${took})`];
  if (record.approvedBy) lines.push(`  Approved: by ${record.approvedBy.identity} via ${record.approvedBy.channel}`);
  if (record.reason) lines.push(...hanging('  Reason:   ', record.reason, boxTextWidth()));
  if (record.workflowId) lines.push(`  Workflow: ${record.workflowId}`);
  return lines;
}

const EVENT_MARK: Record<string, string> = {
  created: '+',
  started: '▸',
  healthy: '✓',
  unhealthy: '✗',
  exited: '✗',
  restarted: '⟳',
  scaled: '↕',
  rollout: '⟳',
  stopped: '■',
  deleted: '-',
};

/** The events as a timeline, oldest first; the newest MAX_EVENTS_SHOWN when there are more. */
export function renderTimeline(events: RuntimeEvent[]): string[] {
  if (events.length === 0) return ['Events: none recorded'];
  const shown = events.slice(-MAX_EVENTS_SHOWN);
  const hidden = events.length - shown.length;
  const kind = (event: RuntimeEvent) => `${EVENT_MARK[event.type] ?? '·'} ${event.type}`;
  const width = Math.max(...shown.map((event) => [...kind(event)].length));
  return [
    `Events (${events.length}, oldest first):`,
    ...(hidden ? [`  … ${hidden} earlier event${hidden === 1 ? '' : 's'} not shown (--json lists them all)`] : []),
    ...shown.flatMap((event) => hanging(`  ${isoSeconds(event.at)}  ${pad(kind(event), width)}  `, event.message, boxTextWidth())),
  ];
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}
