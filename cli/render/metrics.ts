import type { ComponentMetrics } from '../../src/targets/observer';
import { box } from '../../src/client/render/box';
import { hanging, milliseconds, thousands, withArticle } from '../../src/client/render/format';

export interface Thresholds {
  errorRatePercent: number;
  p99LatencyMs: number;
}

export interface MetricsReport {
  /** `<service>/<component>`. */
  component: string;
  environment: string;
  kind: string;
  /** `last 1 hour`, `since 2026-01-15T14:30:00Z`. */
  window: string;
  metrics: ComponentMetrics;
  /** The component's autoscaling settings from the repo, when they could be read. */
  autoscaling?: { minReplicas: number; maxReplicas: number; targetCPU: number };
  /** The environment's rollback thresholds (environments/<env>.yaml). */
  thresholds: Thresholds;
}

export interface Verdict {
  ok: boolean;
  /** What is over the thresholds, e.g. `error rate 6.25% > 5%`. */
  breaches: string[];
}

/** The environment's automatic-rollback thresholds against what the window saw. */
export function metricsVerdict(metrics: ComponentMetrics, thresholds: Thresholds): Verdict {
  const breaches: string[] = [];
  if (metrics.requests.total > 0 && metrics.requests.errorRatePercent > thresholds.errorRatePercent) {
    breaches.push(`error rate ${percent(metrics.requests.errorRatePercent)} > ${thresholds.errorRatePercent}%`);
  }
  if (metrics.requests.total > 0 && metrics.latencyMs.p99 > thresholds.p99LatencyMs) {
    breaches.push(`P99 latency ${milliseconds(metrics.latencyMs.p99)} > ${milliseconds(thresholds.p99LatencyMs)}`);
  }
  return { ok: breaches.length === 0, breaches };
}

export function verdictLine(verdict: Verdict): string {
  return verdict.ok ? '✓ All metrics within normal range' : `⚠ Over the rollback thresholds: ${verdict.breaches.join(', ')}`;
}

const LABEL_WIDTH = 19;
// Why latency is unavailable wraps at the box's usual width rather than widening it.
const LATENCY_NOTE_WIDTH = 58;
const item = (label: string, value: string) => `  ${`${label}:`.padEnd(LABEL_WIDTH)}${value}`;

/** The mission's "Metrics: notification-service/api (last 1 hour)" box. */
export function renderMetrics(report: MetricsReport): string {
  const { metrics, autoscaling } = report;
  const lines: string[] = [''];
  if (report.kind === 'MicroService') {
    const none = metrics.requests.total === 0;
    lines.push(
      'Request Metrics:',
      item('Total requests', thousands(metrics.requests.total)),
      item('Success rate', none ? 'n/a (no requests)' : percent(metrics.requests.successRatePercent)),
      item('Error rate', none ? 'n/a (no requests)' : percent(metrics.requests.errorRatePercent)),
      '',
      'Latency:',
      ...(['P50', 'P95', 'P99', 'Max'] as const).map((name) => item(name, none ? 'n/a' : name !== 'Max' && metrics.latencyUnavailable ? 'unavailable' : milliseconds(metrics.latencyMs[name.toLowerCase() as 'p50' | 'p95' | 'p99' | 'max']))),
      ...(metrics.latencyUnavailable && !none ? hanging('  ', metrics.latencyUnavailable, LATENCY_NOTE_WIDTH) : []),
      '',
    );
  } else {
    lines.push(`No request metrics: ${report.component} is ${withArticle(report.kind)}, not a MicroService.`, '');
  }
  const resources = metrics.resources;
  lines.push(
    'Resource Usage:',
    item('CPU', `${Math.round(resources.cpuPercent.avg)}% (avg) / ${Math.round(resources.cpuPercent.max)}% (max)`),
    item('Memory', `${Math.round(resources.memoryPercent.avg)}% (avg) / ${Math.round(resources.memoryPercent.max)}% (max)`),
    '',
  );
  if (report.kind === 'MicroService') {
    lines.push('Autoscaling:', item('Current replicas', String(metrics.replicas.current)));
    if (autoscaling) {
      lines.push(item('Min replicas', String(autoscaling.minReplicas)), item('Max replicas', String(autoscaling.maxReplicas)), item('Target CPU', `${autoscaling.targetCPU}%`));
    }
    lines.push('');
  }
  lines.push(verdictLine(metricsVerdict(metrics, report.thresholds)));
  return box(`Metrics: ${report.component} (${report.window})`, lines);
}

/** `99.98%`, `0.02%`, `100.00%`: rates with two decimals, as the runtime rounds them. */
function percent(value: number): string {
  return `${value.toFixed(2)}%`;
}
