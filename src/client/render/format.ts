// Small formatting helpers the observation renderers share.

/**
 * Text shown with its control characters as `\x1b`-style escapes. Versions, identities, reasons and
 * messages come from records other people wrote; printed raw, an escape sequence among them could
 * clear the screen, rewrite earlier lines or set the terminal's title. Escaping twice changes nothing.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `2026-01-15T14:30:01.123Z` -> `2026-01-15T14:30:01Z`: the precision people read logs in. */
export function isoSeconds(at: Date | string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  return Number.isNaN(date.getTime()) ? String(at) : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 125432 -> `125,432` (always with commas, whatever the machine's locale). */
export function thousands(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A latency: `45ms`, `1,243ms`. */
export function milliseconds(value: number): string {
  return `${thousands(value)}ms`;
}

/** How long something took: `850ms`, `12s`, `4m 32s`, `1h 5m`. */
export function elapsed(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** A duration in whole seconds, as a countdown or a step's timing shows it: `45s`, `4m 32s`. */
export function minutesAndSeconds(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m ${seconds % 60}s` : `${seconds}s`;
}

/** `alice@company.com` -> `alice@company`: the mission's history column; other identities as they are. */
export function shortIdentity(identity: string): string {
  const match = /^([^@\s]+)@([^.@\s]+)\.[^@\s]+$/.exec(identity);
  return match ? `${match[1]}@${match[2]}` : identity;
}

/** Pads every column but the last to its widest cell, `gap` spaces apart (cells made printable first, so widths hold). */
export function table(cells: string[][], gap = 2, minWidths: number[] = []): string[] {
  const rows = cells.map((row) => row.map(printable));
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? minWidths[index] ?? 0, [...cell].length)));
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - [...cell].length + gap)))
      .join('')
      .trimEnd(),
  );
}

/** A moment in a time zone (the machine's unless given): `{ ymd: '2026-01-15', day: 'Jan 15', time: '14:30' }`. */
export function calendar(at: Date | string, timeZone?: string): { ymd: string; day: string; time: string } {
  const date = typeof at === 'string' ? new Date(at) : at;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  ) as Record<string, string>;
  const month = String(MONTHS.indexOf(parts.month ?? '') + 1).padStart(2, '0');
  return { ymd: `${parts.year}-${month}-${String(parts.day).padStart(2, '0')}`, day: `${parts.month} ${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `a MicroService`, `an RDS`, `an SQS`, `an ElastiCacheRedis`: the article as the kind is spoken. */
export function withArticle(kind: string): string {
  return `${/^(Micro|[BCDGJKPQTVWYZ][a-z])/.test(kind) ? 'a' : 'an'} ${kind}`;
}

/** Splits text at spaces into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && [...current].length + 1 + [...word].length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current || lines.length === 0) lines.push(current);
  return lines;
}

/** `label` then `text` wrapped so that no line passes `width`; continuation lines indented under the text. */
export function hanging(label: string, text: string, width: number): string[] {
  const indent = [...label].length;
  return wrap(text, Math.max(20, width - indent)).map((line, index) => (index === 0 ? label : ' '.repeat(indent)) + line);
}
