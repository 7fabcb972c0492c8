import type { EnvironmentSpec } from '../../model/schema';
import type { ComponentDeployment } from '../deployment';
import { AwsTargetError } from '../../errors';

type Platform = EnvironmentSpec['platform'];
type Reference = keyof Platform;

const WHAT: Record<Reference, string> = {
  clusterArn: 'the ECS cluster services run in',
  vpcId: 'the VPC of the security groups and target groups',
  subnetIds: 'the private subnets of tasks, databases and caches',
  securityGroupIds: 'the security groups every task joins (they let the ALB reach it)',
  albListenerArn: 'the ALB listener that routes ingress paths',
  albProtocol: 'what that listener serves, HTTPS or HTTP',
  albDnsName: 'the ALB DNS name, for urls and DNS records',
  hostedZoneId: 'the Route 53 zone of ingress hosts, where their certificates are validated',
  serviceConnectNamespace: 'the Cloud Map namespace of ECS Service Connect, for private calls between services',
  kmsKeyArn: 'the KMS key that encrypts data at rest',
};

/**
 * The platform references a component's program needs, or one error naming every missing one: the
 * platform team provides them per environment (environments/<env>.yaml spec.platform).
 */
export function requirePlatform<K extends Reference>(deployment: ComponentDeployment, needed: readonly K[]): { [P in K]-?: NonNullable<Platform[P]> } {
  const platform = deployment.environment.platform;
  const missing = needed.filter((reference) => {
    const value = platform[reference];
    return value === undefined || (Array.isArray(value) && value.length === 0);
  });
  if (missing.length) {
    const { ref } = deployment;
    throw new AwsTargetError(
      `${ref.service}/${ref.component} (${deployment.kind}) cannot be provisioned in ${ref.environment}: environments/${ref.environment}.yaml has no ` +
        `${missing.map((reference) => `spec.platform.${reference} (${WHAT[reference]})`).join(', ')}. Ask your platform team for the values and add them.`,
    );
  }
  return Object.fromEntries(needed.map((reference) => [reference, platform[reference]])) as { [P in K]-?: NonNullable<Platform[P]> };
}

/** The cluster name, from its ARN (`arn:aws:ecs:<region>:<account>:cluster/<name>`) or as given. */
export function clusterName(clusterArn: string): string {
  return clusterArn.split('/').pop()!;
}
