import { printable } from './format';

/** A section of a box: lines of text, separated from the previous section by a rule. */
export type BoxSection = string[];

/** The mission's boxes are 62 columns wide when their text allows. */
const MIN_INNER_WIDTH = 58;
/** What a box must fit when the terminal's width is unknown (not a TTY: a pipe, a CI log). */
export const DEFAULT_COLUMNS = 80;
/** The frame's share of a line: `│ ` and ` │`. */
const FRAME = 4;
/** Room a wrapped table row keeps for its last column; with less, it goes on under the row's start. */
const MIN_CONTINUATION = 20;

/** The width boxes must fit: the terminal's when stdout is one, else 80. */
export function terminalColumns(out: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return out.isTTY && out.columns && out.columns > 0 ? out.columns : DEFAULT_COLUMNS;
}

/** The widest line of text a box holds on this terminal: long texts wrap themselves to it (hanging indents). */
export function boxTextWidth(columns: number = terminalColumns()): number {
  return Math.max(20, columns - FRAME);
}

/**
 * Draws the mission's boxes: a title, then sections separated by rules. The box widens to fit its
 * longest line up to the terminal's width; longer lines wrap inside the frame, because a line the
 * terminal wraps itself breaks the frame and the in-place redraw of the progress box (which counts
 * the lines it drew). Every line is made printable: boxes show records (versions, identities,
 * reasons), and a control character would break the frame or the terminal.
 */
export function box(rawTitle: string, ...rawSections: BoxSection[]): string {
  return boxOf(terminalColumns(), rawTitle, ...rawSections);
}

/** `box` for a given width in columns (tests, and callers that know their output). */
export function boxOf(columns: number, rawTitle: string, ...rawSections: BoxSection[]): string {
  const maxInner = boxTextWidth(columns);
  const fit = (line: string) => wrapInside(printable(line), maxInner);
  const title = fit(rawTitle);
  const sections = rawSections.map((section) => section.flatMap(fit));
  const lines = [...title, ...sections.flat()];
  const width = Math.min(maxInner, Math.max(MIN_INNER_WIDTH, ...lines.map(columnsOf)));
  const row = (text: string) => `│ ${text}${' '.repeat(width - columnsOf(text))} │`;
  const rule = (left: string, right: string) => `${left}${'─'.repeat(width + 2)}${right}`;
  return [
    rule('┌', '┐'),
    ...title.map(row),
    ...sections.flatMap((section) => [rule('├', '┤'), ...section.map(row)]),
    rule('└', '┘'),
  ].join('\n');
}

/** How many columns a line of box text takes (one per code point: boxes hold no wide or combining characters). */
export function columnsOf(text: string): number {
  return [...text].length;
}

/** Where a wrapped line goes on: under its last column when it is a table row (and room is left), else two past its indent. */
function continuationIndent(line: string, indent: number, width: number): number {
  const columns = [...line.matchAll(/\S {2,}(?=\S)/g)];
  const lastColumn = columns.length ? columns.at(-1)!.index + columns.at(-1)![0].length : 0;
  if (lastColumn > indent && lastColumn <= width - MIN_CONTINUATION) return lastColumn;
  return Math.min(indent + 2, Math.floor(width / 2));
}

/**
 * A line split at spaces into pieces of at most `width` columns, its spacing kept (table columns stay
 * aligned); continuation pieces are indented two past the line's own indent, so a wrapped item still
 * reads as one. A word longer than a piece is cut.
 */
function wrapInside(line: string, width: number): string[] {
  if (columnsOf(line) <= width) return [line];
  const indent = /^ */.exec(line)![0];
  const continuation = ' '.repeat(continuationIndent(line, indent.length, width));
  const pieces: string[] = [];
  let current = indent;
  let hasWord = false;
  // Words with the spaces before them: ['email', ' ', 'sent', '   ', '(2/5)'] -> pairs of gap and word.
  const tokens = line.slice(indent.length).split(/( +)/);
  for (let index = 0; index < tokens.length; index += 2) {
    const word = tokens[index]!;
    const gap = tokens[index - 1] ?? '';
    if (!word) continue;
    if (columnsOf(current + (hasWord ? gap : '') + word) <= width) {
      current += (hasWord ? gap : '') + word;
      hasWord = true;
      continue;
    }
    if (hasWord) pieces.push(current);
    // A word that fits no line on its own (a URL, an ARN) is cut at the width.
    let rest = [...word];
    const room = width - continuation.length;
    while (rest.length > room) {
      pieces.push(continuation + rest.slice(0, room).join(''));
      rest = rest.slice(room);
    }
    current = continuation + rest.join('');
    hasWord = rest.length > 0;
    if (!hasWord) current = continuation;
  }
  if (hasWord) pieces.push(current);
  return pieces;
}
