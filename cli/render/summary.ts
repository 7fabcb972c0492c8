// `deployer apply --summary FILE`: the deployment as Markdown, appended to FILE, for CI job summaries
// (GitHub Actions' $GITHUB_STEP_SUMMARY). The boxes go in code blocks as the terminal shows them.
import type { DeploymentProgress, DeployServiceResult } from '../../src/temporal/deployment';
import type { DeployStackResult } from '../../src/temporal/deployment';
import { renderCost, renderPlan } from './plan';

/** Where a workflow id links to (the Temporal UI), when known. */
export type WorkflowLink = (workflowId: string) => string | undefined;

const GOOD = new Set(['succeeded', 'unchanged']);

/** One service's deployment: heading with the result, who and what, the plan, and the outcome text the terminal printed. */
export function serviceSummary(result: DeployServiceResult, outcome: string, link: WorkflowLink): string {
  const { progress } = result;
  const lines = [
    `### ${mark(result.phase)} ${progress.service} → ${progress.environment}: ${result.phase}`,
    '',
    `**Stack:** ${text(progress.stack)} · **Version:** ${text(progress.version)} · **Requested by:** ${text(progress.requestedBy)}`,
    '',
    ...approvalLine(progress),
    `**Workflow:** ${workflow(progress.workflowId, link)}`,
    '',
  ];
  if (progress.plan) lines.push('#### Plan', '', codeBlock(planText(progress)), '');
  lines.push('#### Outcome', '', codeBlock(outcome), '');
  return lines.join('\n');
}

/** A whole-stack deployment: one row per service, in deployment order (those after a failure never started), then each service's plan. */
export function stackSummary(options: {
  stack: string;
  environment: string;
  version: string;
  requestedBy: string;
  workflowId: string;
  services: string[];
  result: DeployStackResult;
  /** Each service's progress in this deployment, for its plan and workflow id. */
  progress: Map<string, DeploymentProgress>;
  link: WorkflowLink;
}): string {
  const { result, progress, link } = options;
  // In the order they were deployed; those that never started last.
  const ran = result.services.map((outcome) => outcome.service);
  const services = [...ran, ...options.services.filter((service) => !ran.includes(service))];
  const rows = services.map((service) => {
    const outcome = result.services.find((candidate) => candidate.service === service);
    const id = progress.get(service)?.workflowId;
    const state = outcome ? `${mark(outcome.phase)} ${outcome.phase}` : 'not started (an earlier service did not succeed)';
    return `| ${text(service)} | ${state} | ${text(outcome?.reason ?? '')} | ${id ? workflow(id, link) : ''} |`;
  });
  const lines = [
    `### ${mark(result.phase)} ${options.stack} → ${options.environment}: ${result.phase}`,
    '',
    `**Version:** ${text(options.version)} · **Requested by:** ${text(options.requestedBy)} · **Workflow:** ${workflow(options.workflowId, link)}`,
    '',
    '| Service | Result | Why | Workflow |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ];
  for (const service of services) {
    const seen = progress.get(service);
    if (!seen?.plan) continue;
    lines.push('<details>', `<summary>Plan: ${text(service)}</summary>`, '', codeBlock(planText(seen)), '', '</details>', '');
  }
  return lines.join('\n');
}

/** `--no-wait`: started, where to follow it. */
export function startedSummary(what: string, environment: string, workflowId: string, link: WorkflowLink): string {
  return [`### ▶ ${text(what)} → ${text(environment)}: started`, '', `**Workflow:** ${workflow(workflowId, link)}`, ''].join('\n');
}

/** apply stopped with an error, mostly before deploying (locked, invalid repo, Temporal unreachable): why. */
export function errorSummary(what: string, environment: string, error: Error & { code?: string }): string {
  return [`### ✗ ${text(what)} → ${text(environment)}: apply stopped${error.code ? ` (${code(error.code)})` : ''}`, '', codeBlock(error.message), ''].join('\n');
}

function planText(progress: DeploymentProgress): string {
  return progress.plan!.noop ? renderPlan(progress.plan!) : `${renderPlan(progress.plan!)}\n${renderCost(progress.plan!)}`;
}

function approvalLine(progress: DeploymentProgress): string[] {
  const { approval } = progress;
  if (!approval.required) return [];
  const decision = approval.decision;
  const line = decision
    ? `**${decision.approve ? 'Approved' : 'Rejected'} by:** ${text(decision.by)} (${decision.channel}${decision.comment ? `: ${text(decision.comment)}` : ''})`
    : `**Approval:** none (approvers: ${text(approval.approvers.join(', '))})`;
  return [line, ''];
}

function mark(phase: string): string {
  return GOOD.has(phase) ? '✓' : '✗';
}

function workflow(id: string, link: WorkflowLink): string {
  const url = link(id);
  return url ? `[${code(id)}](${url})` : code(id);
}

/** A fenced block that the text cannot close early: the fence is longer than any backtick run in it. */
function codeBlock(body: string): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}text\n${body}\n${fence}`;
}

function code(value: string): string {
  return value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``;
}

/** Text from the deployment (names, reasons, comments) shown as text, never as Markdown or HTML. */
function text(value: string): string {
  return value.replace(/[\\`*_[\]<>|#~&]/g, (character) => `\\${character}`).replace(/\s*\n\s*/g, ' ');
}
