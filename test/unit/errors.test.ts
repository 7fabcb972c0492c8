import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { AwsObserverError, causes, DeployerError, PayloadTooLargeError, ReleasesUnavailableError, rootCause, RuntimeRequestFailed } from '../../src/errors';

describe('the error hierarchy', () => {
  it('gives every user-facing error a DeployerError with its stable code', () => {
    const errors = [new PayloadTooLargeError('too large'), new RuntimeRequestFailed(404, 'no such component'), new AwsObserverError('no ECS service', 'not-found'), new ReleasesUnavailableError('no worker', 'WORKER_NOT_ANSWERING')];
    expect(errors.map((error) => [error instanceof DeployerError, error.code])).toEqual([
      [true, 'PAYLOAD_TOO_LARGE'],
      [true, 'RUNTIME_ERROR'],
      [true, 'AWS_OBSERVER'],
      [true, 'WORKER_NOT_ANSWERING'],
    ]);
  });
});

describe('rootCause', () => {
  /** What the CLI gets when an activity of a workflow failed: Temporal's layers around the reason. */
  const temporalFailure = (reason: ApplicationFailure) =>
    new WorkflowFailedError('Workflow execution failed', new ActivityFailure('Activity task failed', 'deployComponent', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', reason), RetryState.NON_RETRYABLE_FAILURE);

  it('finds the reason under Temporal\'s layers, with its failure type', () => {
    const failed = temporalFailure(ApplicationFailure.nonRetryable('notification-service is not deployed to rb', 'NotDeployed'));
    expect(causes(failed).map((cause) => cause.constructor.name)).toEqual(['ActivityFailure', 'ApplicationFailure']);
    expect(rootCause(failed)).toEqual({ type: 'NotDeployed', code: undefined, message: 'notification-service is not deployed to rb' });
  });

  it('is the error itself when nothing is under it, with its code', () => {
    expect(rootCause(new DeployerError('locked', 'LOCKED'))).toEqual({ type: undefined, code: 'LOCKED', message: 'locked' });
    expect(rootCause(Object.assign(new Error('refused'), { code: 3 }))).toEqual({ type: undefined, code: 3, message: 'refused' });
    expect(rootCause('a string thrown')).toEqual({ type: undefined, code: undefined, message: 'a string thrown' });
  });

  it('stops at ten layers, so a cause that loops cannot hang it', () => {
    const looping = new Error('outer') as Error & { cause?: unknown };
    looping.cause = looping;
    expect(causes(looping)).toHaveLength(10);
    expect(rootCause(looping).message).toBe('outer');
  });
});
