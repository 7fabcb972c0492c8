import { formatDelta, formatUsd } from '../../src/plan/cost';
import type { DeploymentPlan } from '../../src/plan/buildPlan';
import type { ComponentChange } from '../../src/plan/diff';
import { describeChange } from '../../src/plan/describeChange';
import { box } from '../../src/client/render/box';
import { parseComponentId } from '../../src/model/componentRef';

const SYMBOL: Record<string, string> = { create: '+', update: '⚠', replace: '±', delete: '-' };

/** The mission's "Deployment Plan" box. */
export function renderPlan(plan: DeploymentPlan): string {
  const title = `Deployment Plan: ${plan.services.join(', ')} (${plan.environment})`;
  if (plan.noop) return box(title, ['✓ No changes: everything matches what is deployed.']);
  const body: string[] = [];
  for (const wave of plan.waves) {
    body.push(`Wave ${wave.index}${wave.index === 1 ? '' : ` (after wave ${wave.index - 1})`}:`);
    for (const change of wave.changes) body.push(...renderChange(change));
    body.push('');
  }
  if (plan.deletions.length) {
    body.push('Removals (after every wave succeeded):');
    for (const change of plan.deletions) body.push(...renderChange(change));
    body.push('');
  }
  body.push(`Estimated cost: ${formatDelta(plan.cost.delta)}/month`);
  return box(title, body);
}

/** A component's line(s): symbol, name, kind, action, then what changes. */
export function renderChange(change: ComponentChange): string[] {
  const name = parseComponentId(change.id)?.component ?? change.id;
  const head = `  ${SYMBOL[change.action] ?? ' '} ${`${name} (${change.kind})`.padEnd(30)} ${change.action.toUpperCase()}`;
  const details = describeChange(change).map((line) => `    - ${line}`);
  return [head, ...details];
}

/** The mission's "Cost Impact Analysis" box. */
export function renderCost(plan: DeploymentPlan): string {
  const cost = plan.cost;
  if (plan.target === 'local') return box('Cost Impact Analysis', ['Local target: runs on this machine, $0.00/month.']);
  const percent = cost.percent === null ? '' : ` (${cost.percent >= 0 ? '+' : ''}${cost.percent.toFixed(0)}%)`;
  return box(
    'Cost Impact Analysis',
    [
      `Current monthly cost: ${formatUsd(cost.current)}`,
      `New monthly cost: ${formatUsd(cost.new)}`,
      `${cost.delta >= 0 ? 'Increase' : 'Decrease'}: ${formatDelta(cost.delta)}/month${percent}`,
      '',
      'Breakdown:',
      ...cost.breakdown.map((line) => `  • ${line.component} ${line.item}: ${formatUsd(line.monthly)}/month`),
      ...(cost.notIncluded.length ? ['', `Not included (usage-priced): ${cost.notIncluded.join('; ')}`] : []),
    ],
  );
}
