import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { ComponentDeployment } from '../deployment';
import { awsContext } from './context';
import { elastiCacheRedisProgram } from './elastiCacheRedis';
import { microServiceProgram } from './microService';
import { rdsProgram } from './rds';
import { sqsProgram } from './sqs';

/** The aws target's Pulumi program for one component; its outputs feed valueFrom as on the local target. */
export function awsProgram(deployment: ComponentDeployment): PulumiFn {
  return async () => {
    const context = awsContext(deployment);
    switch (deployment.kind) {
      case 'MicroService':
        return microServiceProgram(deployment, context);
      case 'RDS':
        return rdsProgram(deployment, context);
      case 'ElastiCacheRedis':
        return elastiCacheRedisProgram(deployment, context);
      case 'SQS':
        return sqsProgram(deployment, context);
    }
  };
}
