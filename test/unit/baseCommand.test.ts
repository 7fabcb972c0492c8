import { Config } from '@oclif/core';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState } from '@temporalio/common';
import { BaseCommand, describeUnexpectedError } from '../../cli/baseCommand';
import { installRoot } from '../../src/paths';
import { DeployerError } from '../../src/errors';

/** A command that fails with the given error, run in this process as oclif runs one. */
async function failWith(error: Error, argv: string[]): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  class Failing extends BaseCommand {
    async run(): Promise<void> {
      await this.parse(Failing);
      throw error;
    }
  }
  const config = await Config.load(installRoot);
  let stdout = '';
  let stderr = '';
  // oclif prints through console.log and console.error.
  const write = jest.spyOn(console, 'log').mockImplementation((text: unknown) => (stdout += String(text)));
  const writeError = jest.spyOn(console, 'error').mockImplementation((text: unknown) => (stderr += `${String(text)}\n`));
  try {
    await Failing.run(argv, config);
    return { stdout, stderr, exitCode: undefined };
  } catch (thrown) {
    return { stdout, stderr, exitCode: (thrown as { oclif?: { exit?: number } }).oclif?.exit };
  } finally {
    write.mockRestore();
    writeError.mockRestore();
  }
}

describe('--json errors', () => {
  it('a plain Error prints its code and message, not {"error":{}}', async () => {
    const { stdout, exitCode } = await failWith(new Error('the release log is corrupt'), ['--json']);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'UNEXPECTED', message: 'the release log is corrupt' } });
    expect(exitCode).toBe(1);
  });

  it('a DeployerError keeps its own code and message, and exits as its code says', async () => {
    const { stdout, exitCode } = await failWith(new DeployerError('say what to show', 'NOTHING_SELECTED'), ['--json']);
    expect(JSON.parse(stdout)).toEqual({ error: { code: 'NOTHING_SELECTED', message: 'say what to show' } });
    expect(exitCode).toBe(2);
  });

  it('takes a system error\'s code, and says what a Temporal failure was about', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'releases.jsonl'"), { code: 'ENOENT' });
    expect(describeUnexpectedError(enoent)).toEqual({ error: { code: 'ENOENT', message: "ENOENT: no such file or directory, open 'releases.jsonl'" }, exitCode: 1 });
    const failed = new WorkflowFailedError('Workflow execution failed', ApplicationFailure.nonRetryable('service api is not in stack user-platform', 'UnknownService'), RetryState.NON_RETRYABLE_FAILURE);
    expect(describeUnexpectedError(failed).error).toEqual({ code: 'UNEXPECTED', message: 'Workflow execution failed: service api is not in stack user-platform' });
  });

  it('a bad flag is a usage error (exit 2) with oclif\'s message', () => {
    const parseError = Object.assign(new Error('Nonexistent flag: --bogus\nSee more help with --help'), { oclif: { exit: 2 } });
    expect(describeUnexpectedError(parseError)).toEqual({ error: { code: 'USAGE', message: 'Nonexistent flag: --bogus\nSee more help with --help' }, exitCode: 2 });
  });

  it('an error without a message is named', () => {
    expect(describeUnexpectedError(new TypeError()).error).toEqual({ code: 'UNEXPECTED', message: 'TypeError' });
  });
});

describe('errors without --json', () => {
  it('a Temporal failure says its reason, not only "Workflow execution failed"', async () => {
    const reason = 'this deployment names no git checkout and the worker has no reviewed repository: set DEPLOYER_POLICY_REPO on the worker, or deploy from a git checkout of the deployment repo';
    const failed = new WorkflowFailedError('Workflow execution failed', ApplicationFailure.nonRetryable(reason, 'PolicyUnavailable'), RetryState.NON_RETRYABLE_FAILURE);
    const { stdout, stderr, exitCode } = await failWith(failed, []);
    expect(stderr).toBe(`Error: Workflow execution failed: ${reason}\n`);
    expect(stdout).toBe('');
    expect(exitCode).toBe(1);
  });
});
