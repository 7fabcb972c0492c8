import { printable } from '../../src/client/render/format';
import { renderHistory } from '../../cli/render/history';
import { HeldLock, renderLocks, renderUnlocked } from '../../cli/render/locks';
import { formatLogLine } from '../../cli/render/logs';
import { renderServiceStatus } from '../../src/client/render/status';
import { parseVars } from '../../cli/flags';
import type { ReleaseRecord } from '../../src/releases/releaseRecord';
import { DeployerError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

// A version someone deployed with `--var VERSION=...` before values were checked: it clears the
// screen, moves the cursor home and sets the terminal's title.
const hostile = 'v1.2.0\x1b[2J\x1b[H\x1b]0;pwned\x07';
const shown = 'v1.2.0\\x1b[2J\\x1b[H\\x1b]0;pwned\\x07';
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/; // eslint-disable-line no-control-regex -- what must never reach the terminal (newlines join lines)

describe('printable', () => {
  it('shows control characters as \\x escapes and leaves everything else, unicode included', () => {
    expect(printable(hostile)).toBe(shown);
    expect(printable('a\tb\nc\rd\x00e\x7ff\x9bg')).toBe('a\\x09b\\x0ac\\x0dd\\x00e\\x7ff\\x9bg');
    expect(printable('✓ alice@company.com — 4m 32s │')).toBe('✓ alice@company.com — 4m 32s │');
  });

  it('changes nothing the second time', () => {
    expect(printable(printable(hostile))).toBe(shown);
  });
});

describe('--var values', () => {
  it('refuses a value with a control character, naming the variable (usage error, exit 2)', () => {
    for (const value of [hostile, 'v1\nv2', 'v1\x00', 'v1\x7f', 'v1\t']) {
      let refused: unknown;
      try {
        parseVars(['REGION=us-east-1', `VERSION=${value}`]);
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(DeployerError);
      const { code, message } = refused as DeployerError;
      const exitCode = exitCodeOf(refused);
      expect({ code, exitCode }).toEqual({ code: 'BAD_VAR', exitCode: EXIT.usage });
      expect(message).toMatch(/^--var VERSION: its value ".*" contains a control character \(such as a newline or a terminal escape\); values must be plain text$/);
      expect(message).not.toMatch(CONTROL);
    }
    expect(() => parseVars([`VERSION=${hostile}`])).toThrow(`--var VERSION: its value "${shown}" contains a control character`);
  });

  it('takes plain values, unicode and spaces included', () => {
    expect(parseVars(['VERSION=v1.2.0', 'NOTE=déploiement du jour = ok'])).toEqual({ VERSION: 'v1.2.0', NOTE: 'déploiement du jour = ok' });
  });
});

describe('records other people wrote are printed escaped', () => {
  const record: ReleaseRecord = {
    stack: 'user-platform',
    environment: 'production',
    service: 'notification-service',
    version: hostile,
    deployedBy: '\x1b[8mmallory@company.com',
    startedAt: '2026-01-15T14:30:00.000Z',
    finishedAt: '2026-01-15T14:34:32.000Z',
    result: 'rolled_back',
    reason: 'health\x1b[1A\x1b[2K✓ all good',
    components: [],
    serviceSpec: {} as ReleaseRecord['serviceSpec'],
    environmentSpec: {} as ReleaseRecord['environmentSpec'],
    groups: {},
  };

  it('history: in a box that stays aligned', () => {
    const lines = renderHistory('notification-service', 'production', [record], 'UTC').split('\n');
    expect(lines.join('\n')).not.toMatch(CONTROL);
    // The escaped text is shown as written, wrapped inside the box where it is long.
    expect(lines.join('').replace(/[│ ]/g, '')).toContain(shown.replace(/ /g, ''));
    expect(lines.join('\n')).toContain('\\x1b[8m');
    expect(new Set(lines.map((line) => [...line].length)).size).toBe(1);
  });

  it('status: version, reason and who deployed', () => {
    const text = renderServiceStatus({ service: 'notification-service', environment: 'production', components: [], lastRelease: record }, new Date('2026-01-15T15:00:00Z'));
    expect(text).not.toMatch(CONTROL);
    // Wrapped at the box's width: compare without the frame and the wrapping.
    expect(text.replace(/(\s*│\s*)+/g, ' ')).toContain(`Version: ${shown} (rolled back: health\\x1b[1A\\x1b[2K✓ all good)`);
    expect(text).toContain('Deployed by: \\x1b[8mmallory@company.com');
  });

  it('locks and unlock: holder and version', () => {
    const lock: HeldLock = {
      stack: 'user-platform',
      environment: 'production',
      service: 'notification-service',
      heldBy: '\x1b[8mmallory@company.com',
      version: hostile,
      since: '2026-01-15T14:30:00.000Z',
      phase: 'awaiting-approval',
      phaseSource: 'progress',
      workflowId: 'deploy/user-platform/production/notification-service',
      runId: 'r',
    };
    const now = new Date('2026-01-15T14:31:00Z');
    const listed = renderLocks([lock], { stack: 'user-platform', environment: 'production' }, now);
    expect(listed).not.toMatch(CONTROL);
    expect(listed).toContain(`  Held by:   \\x1b[8mmallory@company.com (deploying ${shown})`);
    const ended = renderUnlocked([{ ...lock, terminated: true }], { stack: 'user-platform', environment: 'production' }, 'carol@company.com', 'stuck\x1b[2J', now);
    expect(ended).not.toMatch(CONTROL);
    expect(ended).toContain('by carol@company.com: stuck\\x1b[2J');
  });

  it('logs: an app that logs what its callers sent', () => {
    expect(formatLogLine({ at: '2026-01-15T14:30:01.123Z', source: 'api-3f2a1b', stream: 'stdout', message: 'INFO user agent \x1b]0;pwned\x07' })).toBe(
      '2026-01-15T14:30:01Z api-3f2a1b  INFO user agent \\x1b]0;pwned\\x07',
    );
  });
});
