import { componentId } from '../../model/componentRef';
import { environmentVariables } from '../../model/types';
import type { ComponentDeployment } from '../deployment';
import { AwsTargetError } from '../../errors';

/** One variable ECS injects from Secrets Manager or SSM Parameter Store when a task starts. */
export interface SecretReference {
  name: string;
  /** What the container definition's `valueFrom` says. */
  valueFrom: string;
  /** What the execution role must be allowed to read. */
  resource: string;
  store: 'secretsmanager' | 'ssm';
}

const ARN = /^arn:aws[a-z-]*:(secretsmanager|ssm):/;

/**
 * The component's secrets as ECS references, for the account once it is known. Values never enter
 * the task definition: `secretFrom` names a Secrets Manager secret (name or ARN, optionally a JSON
 * key) or an SSM parameter (`/name` or ARN); a secret output of another component (RDS's password)
 * is itself such a reference. Checked here, before any resource exists.
 */
export function secretReferences(deployment: ComponentDeployment, region: string): (account: string) => SecretReference[] {
  const { ref } = deployment;
  const component = componentId(ref);
  const variables = environmentVariables(deployment);
  const builders: Array<(account: string) => SecretReference> = [];
  for (const variable of variables) {
    if ('secretFrom' in variable) builders.push(fromSecretFrom(variable.name, variable.secretFrom, region, component));
    const resolved = 'valueFrom' in variable ? deployment.resolved[variable.name] : undefined;
    if (resolved?.secret) {
      if (!ARN.test(resolved.value)) {
        throw new AwsTargetError(
          `${component}: ${variable.name} comes from a secret output that is not a Secrets Manager or SSM reference; ` +
            'on aws a secret may only reach a task by reference, never in its task definition. Use secretFrom with the secret that holds it.',
        );
      }
      const reference = { name: variable.name, valueFrom: resolved.value, resource: secretResource(resolved.value), store: storeOf(resolved.value) };
      builders.push(() => reference);
    }
  }
  return (account) => builders.map((build) => build(account));
}

function fromSecretFrom(name: string, secretFrom: { secret: string; key?: string }, region: string, component: string): (account: string) => SecretReference {
  const { secret, key } = secretFrom;
  if (secret.startsWith('/') || secret.startsWith('arn:aws:ssm:')) {
    if (key) throw new AwsTargetError(`${component}: ${name} reads key "${key}" of SSM parameter ${secret}; SSM parameters hold one value. Drop the key, or keep the value in Secrets Manager.`);
    return (account) => {
      const arn = secret.startsWith('/') ? `arn:aws:ssm:${region}:${account}:parameter${secret}` : secret;
      return { name, valueFrom: arn, resource: arn, store: 'ssm' };
    };
  }
  // A name becomes a partial ARN, which ECS accepts; the policy then allows the random suffix
  // Secrets Manager appends to every secret's ARN.
  const partial = !secret.startsWith('arn:');
  return (account) => {
    const arn = partial ? `arn:aws:secretsmanager:${region}:${account}:secret:${secret}` : secretResource(secret);
    return { name, valueFrom: key ? `${arn}:${key}::` : arn, resource: partial ? `${arn}-??????` : arn, store: 'secretsmanager' };
  };
}

function storeOf(reference: string): 'secretsmanager' | 'ssm' {
  return reference.includes(':ssm:') ? 'ssm' : 'secretsmanager';
}

/** The secret an ARN reference names, without its JSON key (`<arn>:<key>::`). */
function secretResource(reference: string): string {
  return storeOf(reference) === 'ssm' ? reference : reference.split(':').slice(0, 7).join(':');
}
