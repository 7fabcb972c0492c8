import { Config } from '@oclif/core';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, RetryState } from '@temporalio/common';
import { BaseCommand, unexpectedErrorJson } from '../../cli/baseCommand';
import { installRoot } from '../../src/paths';
import { DeployerError } from '../../src/errors';

/** A command that fails with the given error, run in this process as oclif runs one. */
async function failWith(error: Error, argv: string[]): Promise<{ stdout: string; exitCode: number | undefined }> {
  class Failing extends BaseCommand {
    async run(): Promise<void> {
      await this.parse(Failing);
      throw error;
    }
  }
  const config = await Config.load(installRoot);
  let stdout = '';
  // oclif prints through console.log.
  const write = jest.spyOn(console, 'log').mockImplementation((text: unknown) => (stdout += String(text)));
  try {
    await Failing.run(argv, config);
    return { stdout, exitCode: undefined };
  } catch (thrown) {
    return { stdout, exitCode: (thrown as { oclif?: { exit?: number } }).oclif?.exit };
  } finally {
    write.mockRestore();
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
    expect(unexpectedErrorJson(enoent)).toEqual({ error: { code: 'ENOENT', message: "ENOENT: no such file or directory, open 'releases.jsonl'" }, exitCode: 1 });
    const failed = new WorkflowFailedError('Workflow execution failed', ApplicationFailure.nonRetryable('service api is not in stack user-platform', 'UnknownService'), RetryState.NON_RETRYABLE_FAILURE);
    expect(unexpectedErrorJson(failed).error).toEqual({ code: 'UNEXPECTED', message: 'Workflow execution failed: service api is not in stack user-platform' });
  });

  it('a bad flag is a usage error (exit 2) with oclif\'s message', () => {
    const parseError = Object.assign(new Error('Nonexistent flag: --bogus\nSee more help with --help'), { oclif: { exit: 2 } });
    expect(unexpectedErrorJson(parseError)).toEqual({ error: { code: 'USAGE', message: 'Nonexistent flag: --bogus\nSee more help with --help' }, exitCode: 2 });
  });

  it('an error without a message is named', () => {
    expect(unexpectedErrorJson(new TypeError()).error).toEqual({ code: 'UNEXPECTED', message: 'TypeError' });
  });
});
