import type { ComponentChange } from './diff';

/** Human summaries of a change, shared by the plan box, the CLI's approval box and Slack messages. */
export function describeChange(change: ComponentChange): string[] {
  const lines: string[] = [];
  // What the provider replaces comes first: a reviewer must not miss that data goes with it.
  if (change.replaceReason) lines.push(`${change.replacements?.some((replacement) => replacement.losesData) ? 'data loss' : 'replaced'}: ${change.replaceReason}`);
  for (const field of change.fields) {
    lines.push(`${field.field}: ${field.summary ?? `${field.before ?? '(none)'} → ${field.after ?? '(none)'}`}`);
  }
  const env = change.environment;
  if (env) {
    const parts = [...env.added.map((n) => `+${n}`), ...env.removed.map((n) => `-${n}`), ...env.changed.map((n) => `~${n}`)];
    lines.push(`environment: ${parts.join(', ')}`);
  }
  if (change.classes.length === 1 && change.classes[0] === 'config') lines.push('config only: restart with the new config, no new image');
  if (change.canary) {
    // After the last step the new version takes every request.
    const whole = change.canary[change.canary.length - 1]!.weight < 100 ? ['100%'] : [];
    lines.push(`canary: ${[...change.canary.map(describeStep), ...whole].join(' → ')}`);
  }
  return lines;
}

/** `5% for 2m`, `50% until promoted`, or a bare weight for a step that only passes through. */
function describeStep(step: NonNullable<ComponentChange['canary']>[number]): string {
  if (!step.pause) return `${step.weight}%`;
  return step.pause === 'manual' ? `${step.weight}% until promoted` : `${step.weight}% for ${step.pause}`;
}
