import type { ComponentDeployment } from '../deployment';

/**
 * Tags on everything a component creates: who owns it and where it came from, so cost reports and
 * the console group resources the way teams think of them.
 */
export function componentTags(deployment: ComponentDeployment): Record<string, string> {
  const { ref } = deployment;
  return {
    'deployer:stack': ref.stack,
    'deployer:environment': ref.environment,
    'deployer:service': ref.service,
    'deployer:component': ref.component,
    'managed-by': 'deployer',
  };
}
