import type { EnvironmentSpec } from '../model/schema';
import { awsTarget } from './aws/awsTarget';
import { localTarget } from './local/localTarget';
import type { Target } from './target';

const TARGETS: Record<EnvironmentSpec['target'], Target> = { local: localTarget, aws: awsTarget };

/** The target an environment runs on. */
export function targetFor(environment: Pick<EnvironmentSpec, 'target'>): Target {
  const target = TARGETS[environment.target] as Target | undefined;
  if (!target) throw new Error(`this deployer cannot run components on target "${String(environment.target)}"`);
  return target;
}
