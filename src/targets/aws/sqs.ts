import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { ComponentDeploymentOf } from '../deployment';
import type { AwsContext } from './context';
import { awsNames } from './names';

/** A dead letter queue keeps failed messages for the longest SQS allows, to be inspected and redriven. */
const DEAD_LETTER_RETENTION_SECONDS = 1_209_600;

/** An SQS queue (standard or FIFO), encrypted, with a dead letter queue and redrive policy. */
export function sqsProgram(deployment: ComponentDeploymentOf<'SQS'>, context: AwsContext): Record<string, pulumi.Input<string>> {
  const { spec } = deployment;
  const { ref } = deployment;
  const { kmsKeyArn } = deployment.environment.platform;
  const options = { provider: context.provider };
  const fifo = spec.type === 'fifo';
  // SSE-KMS with the platform's key when there is one; SQS-managed encryption otherwise.
  const encryption = kmsKeyArn ? { kmsMasterKeyId: kmsKeyArn } : { sqsManagedSseEnabled: true };

  const deadLetter = spec.deadLetterQueue.enabled
    ? new aws.sqs.Queue('dead-letter', { name: awsNames.queue(ref, fifo, true), fifoQueue: fifo, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, ...encryption }, { ...options, deleteBeforeReplace: true })
    : undefined;
  const queue = new aws.sqs.Queue('queue', {
    name: awsNames.queue(ref, fifo),
    fifoQueue: fifo,
    contentBasedDeduplication: fifo ? false : undefined,
    visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
    messageRetentionSeconds: spec.messageRetentionSeconds,
    redrivePolicy: deadLetter ? deadLetter.arn.apply((deadLetterTargetArn) => JSON.stringify({ deadLetterTargetArn, maxReceiveCount: spec.deadLetterQueue.maxReceiveCount })) : undefined,
    ...encryption,
    // Queue names are fixed (the observer and other components find them by name): switching
    // between standard and FIFO replaces the queue, deleting the old one first.
  }, { ...options, deleteBeforeReplace: true });
  if (deadLetter) {
    new aws.sqs.RedriveAllowPolicy('dead-letter-source', { queueUrl: deadLetter.url, redriveAllowPolicy: queue.arn.apply((arn) => JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arn] })) }, options);
  }

  return {
    url: queue.url,
    arn: queue.arn,
    ...(deadLetter ? { deadLetterUrl: deadLetter.url, deadLetterArn: deadLetter.arn } : {}),
  };
}
