// `deployer drift acknowledge`: accept what runs as the desired state by editing this checkout of
// the deployment repo where each drifted field's value is written, then show the diff to commit.
import { acknowledgeFields, AcknowledgedField, describeAcknowledged, FileEdit, notAcknowledgeable, writeEdits } from '../src/drift/acknowledge';
import { fieldMatches } from '../src/drift/ignore';
import { display } from '../src/drift/report';
import type { FieldDriftReport, ServiceDriftReport } from '../src/temporal/drift';
import { applyNextStep } from '../src/client/applyCommand';
import { DeployerError } from '../src/errors';
import { parseComponentId } from '../src/model/componentRef';

export interface AcknowledgeRequest {
  root: string;
  stack: string;
  service: string;
  environment: string;
  /** Only this component (name, or <service>/<name>). */
  component?: string;
  /** Only these fields (a prefix covers the fields under it). */
  fields?: string[];
}

export interface AcknowledgeOutcome {
  acknowledged: AcknowledgedField[];
  edits: FileEdit[];
  /** Drifted fields left as they are, and why. */
  skipped: { component: string; field?: string; why: string }[];
}

/** Edits the checkout so it declares what runs for the selected drifted fields; nothing is written when any edit fails. */
export function acknowledgeDrift(request: AcknowledgeRequest, report: ServiceDriftReport): AcknowledgeOutcome {
  if (report.status === 'skipped') throw new DeployerError(`${report.reason ?? 'a deployment is running'}; acknowledge after it has ended.`, 'DEPLOYING');
  const only = request.component && (parseComponentId(request.component)?.component ?? request.component);
  const drifted = report.components.filter((component) => (component.status === 'drifted' || component.status === 'deleted') && (!only || component.name === only));
  if (only && !report.components.some((component) => component.name === only)) {
    throw new DeployerError(`${request.service} has no component "${only}" in its last release; its components: ${report.components.map((component) => component.name).join(', ') || 'none'}.`, 'UNKNOWN_COMPONENT');
  }
  const skipped: AcknowledgeOutcome['skipped'] = [];
  const selected: { component: string; fields: FieldDriftReport[] }[] = [];
  for (const component of drifted) {
    if (component.status === 'deleted') {
      if (request.fields?.length) continue; // a deletion has no fields to name
      skipped.push({
        component: component.name,
        why: `it was deleted outside deployer; to accept that, remove its directory from the deployment repo and apply; to undo it, deployer drift remediate --service ${request.service} --environment ${request.environment}`,
      });
      continue;
    }
    const fields = component.fields.filter((field) => !request.fields?.length || request.fields.some((name) => fieldMatches(name, field.field)));
    const writable = fields.filter((field) => {
      const why = notAcknowledgeable(field);
      if (why) skipped.push({ component: component.name, field: field.field, why });
      return !why;
    });
    if (writable.length) selected.push({ component: component.name, fields: writable });
  }
  if (request.fields?.length && selected.length === 0 && skipped.length === 0 && drifted.length) {
    throw new DeployerError(`no drifted field matches ${request.fields.join(', ')}; drifted: ${drifted.flatMap((component) => component.fields.map((field) => `${component.name} ${field.field}`)).join(', ')}`, 'NO_SUCH_DRIFT');
  }
  if (selected.length === 0) {
    if (skipped.length) throw new DeployerError(`nothing could be acknowledged: ${skipped.map((item) => `${item.component}${item.field ? ` ${item.field}` : ''}: ${item.why}`).join('; ')}`, 'NOT_ACKNOWLEDGEABLE');
    return { acknowledged: [], edits: [], skipped };
  }
  const acknowledged: AcknowledgedField[] = [];
  const edits: FileEdit[] = [];
  for (const { component, fields } of selected) {
    let outcome: ReturnType<typeof acknowledgeFields>;
    try {
      outcome = acknowledgeFields({ root: request.root, stack: request.stack, service: request.service, component, environment: request.environment }, fields);
    } catch (error) {
      throw new DeployerError(`cannot acknowledge ${request.service}/${component}: ${(error as Error).message}`, 'NOT_ACKNOWLEDGEABLE');
    }
    acknowledged.push(...outcome.fields);
    edits.push(...outcome.edits);
  }
  writeEdits(request.root, edits);
  return { acknowledged, edits, skipped };
}

export function renderAcknowledge(request: AcknowledgeRequest, outcome: AcknowledgeOutcome, report: ServiceDriftReport): string {
  const where = `${request.service} in ${request.environment}`;
  if (outcome.acknowledged.length === 0) return `✓ Nothing to acknowledge: ${where} matches its desired state (release ${report.release?.version ?? '?'}).`;
  const files = [...new Set(outcome.edits.map((edit) => edit.file))];
  const summary = outcome.acknowledged.map((field) => `${field.component} ${field.field} ${display(field.to)}`).join(', ');
  return [
    `✓ Acknowledged drift of ${where}: the deployment repo now declares what runs.`,
    ...outcome.acknowledged.map((field) => `  ${describeAcknowledged(field)}`),
    ...outcome.skipped.map((item) => `  ⚠ Not acknowledged: ${item.component}${item.field ? ` ${item.field}` : ''}: ${item.why}`),
    '',
    ...outcome.edits.map((edit) => edit.diff.trimEnd()),
    '',
    'Commit the change, then deploy it: drift is reported until the release says the same.',
    `  git add ${files.join(' ')} && git commit -m "Acknowledge drift of ${request.service} in ${request.environment}: ${summary}"`,
    `  ${applyNextStep(request, request.root, report.release ? { VERSION: report.release.version } : {})}`,
  ].join('\n');
}
