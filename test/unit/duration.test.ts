import { durationMs, durationWithin } from '../../src/model/duration';

describe('durationMs', () => {
  it.each([
    ['500ms', 500],
    ['0s', 0],
    ['30s', 30_000],
    ['2m', 120_000],
    ['10m', 600_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
  ])('%s is %d ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(['', '30', 's', '1.5h', '-5s', '10 m', ' 10m', '10M', '5w', '10mins'])('rejects %j, saying what a duration looks like', (text) => {
    expect(() => durationMs(text)).toThrow(new Error(`"${text}" is not a duration such as 30s, 10m or 24h`));
  });
});

describe('durationWithin', () => {
  const bounds = { min: '1s', max: '30d', why: 'test' };

  it.each([
    ['1s', true],
    ['30d', true],
    ['720h', true],
    ['999ms', false],
    ['31d', false],
    // Beyond any date: `new Date(Date.now() + ms)` is "Invalid time value".
    ['99999999999d', false],
    [`${'9'.repeat(400)}d`, false],
  ])('%s within 1s..30d: %s', (text, within) => {
    expect(durationWithin(text, bounds)).toBe(within);
  });
});
