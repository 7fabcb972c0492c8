// What `deployer drift ...` prints. Pure, so the mission's Drift Detection box is unit-tested exactly.
import { display } from '../../src/drift/report';
import type { ComponentKind } from '../../src/model/schema';
import type { ComponentDriftReport, DetectDriftResult, DriftSeverity, IgnoreRule, RemediateDriftResult, ServiceDriftReport } from '../../src/temporal/drift';
import { box, boxTextWidth } from '../../src/client/render/box';
import { hanging, printable } from '../../src/client/render/format';

const KIND_LABEL: Record<ComponentKind, string> = { MicroService: 'MicroService', RDS: 'RDS', ElastiCacheRedis: 'ElastiCache', SQS: 'SQS' };
const SEVERITY_ORDER: DriftSeverity[] = ['high', 'medium', 'low'];
const MARK = '← Drift detected';
// The mission's box puts the mark in a column of its own; longer lines push it right.
const MARK_COLUMN = 25;

export interface RenderOptions {
  showIgnored?: boolean;
  /** Time zone for "Detected:" (the machine's when omitted). */
  timeZone?: string;
}

/** One box per service (the mission's "Drift Detection: <service>"), then the commands for the actions. */
export function renderDetection(result: DetectDriftResult, options: RenderOptions = {}): string {
  if (result.services.length === 0) return `No service of ${result.stack} has been deployed to ${result.environment}: nothing to compare with.`;
  return result.services.map((service) => renderService(service, result.environment, options)).join('\n\n');
}

export function renderService(report: ServiceDriftReport, environment: string, options: RenderOptions = {}): string {
  const title = `Drift Detection: ${report.service}`;
  if (report.status === 'not-deployed') return box(title, ['', `Not deployed to ${environment}: there is no release to compare with.`, '']);
  if (report.status === 'skipped') return box(title, ['', `⟳ ${capitalize(report.reason ?? 'a deployment is running')}.`, '']);
  const drifted = sortBySeverity(report.components.filter((component) => component.status === 'drifted' || component.status === 'deleted'));
  const failed = report.components.filter((component) => component.status === 'error');
  const inSync = report.components.filter((component) => component.status === 'in-sync');
  const lines: string[] = [''];
  for (const component of drifted) lines.push(...componentLines(component, options), '');
  for (const component of failed) lines.push(`✗ ${component.name} (${KIND_LABEL[component.kind]}): not checked: ${component.error ?? 'unknown error'}`, '');
  if (drifted.length === 0 && failed.length === 0) lines.push(`✓ All components match desired state (release ${report.release?.version ?? '?'})`, '');
  else if (inSync.length) lines.push(`✓ All other components match desired state`, '');
  if (options.showIgnored) lines.push(...ignoredLines(report), '');
  if (drifted.length) {
    lines.push(
      'Actions:',
      `  [Remediate] - Restore to desired state (${restoreSummary(drifted)})`,
      '  [Acknowledge] - Mark as expected (update config)',
      '  [Ignore] - Suppress future alerts',
    );
  } else {
    lines.pop();
  }
  const rendered = box(title, lines);
  return drifted.length ? `${rendered}\n${actionCommands(report, environment, drifted)}` : rendered;
}

function componentLines(component: ComponentDriftReport, options: RenderOptions): string[] {
  const deleted = component.status === 'deleted';
  const lines = [
    `⚠ ${(component.severity ?? 'medium').toUpperCase()}: ${component.name} (${KIND_LABEL[component.kind]})`,
    deleted ? '  Deleted outside deployer: it no longer exists' : '  Configuration drift detected',
    '',
    '  Desired state:',
    ...component.context.map((field) => `    ${field.field}: ${display(field.desired)}`),
    '',
    '  Actual state:',
  ];
  if (deleted) {
    lines.push(marked('    (does not exist)'));
  } else {
    for (const field of component.context) {
      const line = `    ${field.field}: ${display(field.actual)}`;
      lines.push(field.drifted ? marked(line) : line);
    }
  }
  lines.push('', ...hanging('  Likely cause: ', component.cause ?? 'unknown', boxTextWidth()));
  if (component.firstSeen) lines.push(`  Detected: ${formatDetected(component.firstSeen, options.timeZone)}`);
  return lines;
}

function marked(line: string): string {
  const width = Math.max(MARK_COLUMN, [...line].length + 2);
  return `${line}${' '.repeat(width - [...line].length)}${MARK}`;
}

function ignoredLines(report: ServiceDriftReport): string[] {
  const rules = report.ignores ?? [];
  const drifting = report.components.flatMap((component) => (component.ignored ?? []).map((field) => ({ component: component.name, field })));
  if (rules.length === 0) return ['Ignored fields: none'];
  return [
    'Ignored fields:',
    ...rules.map((rule) => {
      const now = drifting.filter((item) => item.component === rule.component && (item.field.field === rule.field || item.field.field.startsWith(`${rule.field}.`)));
      const state = now.length ? now.map((item) => `${item.field.field} ${display(item.field.desired)} → ${display(item.field.actual)}`).join(', ') : 'no drift now';
      return `  ${rule.component} ${rule.field} (${ruleTerms(rule)}): ${state}`;
    }),
  ];
}

export function ruleTerms(rule: IgnoreRule): string {
  return printable([rule.until ? `until ${rule.until}` : 'no end date', `by ${rule.by}`, ...(rule.reason ? [rule.reason] : [])].join(', '));
}

/** `2 replicas`, `cpu 256, memory 512`, `recreate api`. */
export function restoreSummary(components: ComponentDriftReport[]): string {
  return components
    .map((component) => {
      if (component.status === 'deleted') return `recreate ${component.name}`;
      return component.fields.map((field) => (field.field === 'replicas' ? `${display(field.desired)} ${field.desired === 1 ? 'replica' : 'replicas'}` : `${field.field} ${display(field.desired)}`)).join(', ');
    })
    .join('; ');
}

function actionCommands(report: ServiceDriftReport, environment: string, drifted: ComponentDriftReport[]): string {
  const scope = `--service ${report.service} --environment ${environment}`;
  const first = drifted.find((component) => component.status === 'drifted' && component.fields.length);
  return [
    `  Remediate:   deployer drift remediate ${scope}`,
    `  Acknowledge: deployer drift acknowledge ${scope}`,
    `  Ignore:      deployer drift ignore ${scope} --component ${first ? `${first.name} --field ${first.fields[0]!.field}` : 'COMPONENT --field FIELD'} [--until YYYY-MM-DD]`,
  ].join('\n');
}

/** `2024-01-15 16:45:00`, in the machine's time zone (or `timeZone`). */
export function formatDetected(at: string, timeZone?: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function sortBySeverity(components: ComponentDriftReport[]): ComponentDriftReport[] {
  return [...components].sort((a, b) => SEVERITY_ORDER.indexOf(a.severity ?? 'medium') - SEVERITY_ORDER.indexOf(b.severity ?? 'medium') || a.name.localeCompare(b.name));
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The outcome of `drift remediate`. */
export function renderRemediation(result: RemediateDriftResult & { durationMs: number }, request: { service: string; environment: string }): string {
  const where = `${request.service} in ${request.environment}`;
  if (result.phase === 'no-drift') return `✓ ${where} matches its desired state (release ${result.before.release?.version ?? '?'}); nothing to remediate.`;
  const restored = result.before.components.filter((component) => result.remediated.includes(component.id));
  const lines = [`✓ Remediated drift of ${where}: restored ${restoreSummary(restored)} (release ${result.version}) in ${seconds(result.durationMs)}.`];
  for (const component of restored) {
    if (component.status === 'deleted') lines.push(`  ${component.name}: recreated (it had been deleted outside deployer)`);
    else for (const field of component.fields) lines.push(`  ${component.name} ${field.field}: ${display(field.actual)} → ${display(field.desired)}`);
  }
  const still = result.after?.components.filter((component) => component.status === 'drifted' || component.status === 'deleted') ?? [];
  lines.push(still.length ? `  ⚠ Still drifted: ${still.map((component) => component.name).join(', ')} (deployer drift detect ${`--service ${request.service} --environment ${request.environment}`})` : '  ✓ All components match desired state now');
  if (result.workflowId) lines.push(`  Deployment: ${result.workflowId}`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}m ${total % 60}s`;
}
