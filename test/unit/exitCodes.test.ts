import { Errors } from '@oclif/core';
import { deploymentExitCode, driftExitCode, EXIT, EXIT_CODES, exitCodeOf } from '../../cli/exitCodes';
import { DeployerError, ERROR_CODES, ModelValidationError, ServiceLockedError, UnknownNameError } from '../../src/errors';

describe('the exit-code table', () => {
  it('maps every error code to a documented exit code', () => {
    const documented: number[] = [EXIT.failure, EXIT.usage, EXIT.locked];
    expect(ERROR_CODES.filter((code) => !Object.hasOwn(EXIT_CODES, code) || !documented.includes(exitCodeOf(new DeployerError('x', code))))).toEqual([]);
  });

  it('says usage for a mistake on the command line, locked for a held lock, failure for the rest', () => {
    expect(exitCodeOf(new UnknownNameError('UNKNOWN_STACK', 'unknown stack "users"'))).toBe(EXIT.usage);
    expect(exitCodeOf(new DeployerError('--var "X" is not KEY=VALUE', 'BAD_VAR'))).toBe(EXIT.usage);
    expect(exitCodeOf(new ServiceLockedError({ stack: 'user-platform', environment: 'production', service: 'notification-service', workflowId: 'deploy/user-platform/production/notification-service' }, { requestedBy: 'alice@company.com' }))).toBe(EXIT.locked);
    expect(exitCodeOf(new ModelValidationError([]))).toBe(EXIT.failure);
    expect(exitCodeOf(new DeployerError('the rollback failed', 'ROLLBACK_FAILED'))).toBe(EXIT.failure);
  });

  it('maps an error deployer did not foresee to failure, and keeps oclif\'s own for its errors', () => {
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT.failure);
    expect(exitCodeOf(new TypeError())).toBe(EXIT.failure);
    expect(exitCodeOf('a string thrown')).toBe(EXIT.failure);
    expect(exitCodeOf(undefined)).toBe(EXIT.failure);
    expect(exitCodeOf(Object.assign(new Error('something'), { code: 'ENOENT' }))).toBe(EXIT.failure);
    expect(exitCodeOf(new Errors.CLIError('Nonexistent flag: --bogus', { exit: 2 }))).toBe(EXIT.usage);
  });

  it('maps how a deployment ended', () => {
    expect(['succeeded', 'unchanged', 'rejected', 'timed-out', 'failed', 'rolled-back', 'cancelled', 'locked', 'deploying'].map(deploymentExitCode)).toEqual([
      EXIT.success,
      EXIT.success,
      EXIT.rejected,
      EXIT.rejected,
      EXIT.failure,
      EXIT.failure,
      EXIT.failure,
      EXIT.locked,
      EXIT.failure,
    ]);
  });

  it('maps a drift check: drift found over a component that could not be checked', () => {
    expect([driftExitCode(true, true), driftExitCode(false, true), driftExitCode(false, false)]).toEqual([EXIT.driftFound, EXIT.failure, EXIT.success]);
  });
});
