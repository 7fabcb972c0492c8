import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { ComponentDeployment } from '../deployment';
import { componentTags } from './tags';

/** What every aws program shares: the provider for the environment's region, tagging everything it creates. */
export interface AwsContext {
  provider: aws.Provider;
  region: string;
  account: pulumi.Input<string>;
}

export function awsContext(deployment: ComponentDeployment): AwsContext {
  const { region, account } = deployment.environment;
  // With the account known, credentials for any other account fail before anything is created:
  // a worker with staging credentials never builds production's resources in staging.
  const provider = new aws.Provider('aws', { region: region as aws.Region, allowedAccountIds: account ? [account] : undefined, defaultTags: { tags: componentTags(deployment) } });
  return { provider, region, account: account ?? aws.getCallerIdentityOutput({}, { provider }).accountId };
}
