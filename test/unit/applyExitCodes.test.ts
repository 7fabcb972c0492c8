import { EXIT, stackExitCode } from '../../cli/exitCodes';

test('a stack exits as its most telling service: locked, else failed, else rejected', () => {
  expect(stackExitCode('succeeded', ['succeeded', 'unchanged'])).toBe(EXIT.success);
  expect(stackExitCode('failed', ['succeeded', 'locked', 'failed'])).toBe(EXIT.locked);
  expect(stackExitCode('failed', ['rejected', 'rolled-back'])).toBe(EXIT.failure);
  expect(stackExitCode('failed', ['succeeded', 'rejected'])).toBe(EXIT.rejected);
  expect(stackExitCode('failed', ['timed-out'])).toBe(EXIT.rejected);
  // A stack that ended without any service getting to run (e.g. cancelled before the first) failed.
  expect(stackExitCode('cancelled', [])).toBe(EXIT.failure);
});
