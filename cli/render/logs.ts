import type { LogLine } from '../../src/targets/observer';
import { isoSeconds, printable } from '../../src/client/render/format';

/**
 * One log line as people read it: `2026-01-15T14:30:01Z api-3f2a1b  INFO email sent to ...`. The
 * message is the app's, which may log what its callers sent: printable, so it cannot drive the terminal.
 */
export function formatLogLine(line: LogLine): string {
  return `${isoSeconds(line.at)} ${line.source}  ${printable(line.message)}`;
}

export function renderLogs(lines: LogLine[]): string {
  return lines.map(formatLogLine).join('\n');
}
