import { printable } from './format';

/** A section of a box: lines of text, separated from the previous section by a rule. */
export type BoxSection = string[];

const MIN_WIDTH = 58;

/**
 * Draws the mission's boxes: a title, then sections separated by rules. The box widens to fit its
 * longest line, so nothing is ever cut off. Every line is made printable: boxes show records (versions,
 * identities, reasons), and a control character would break the frame or the terminal.
 */
export function box(rawTitle: string, ...rawSections: BoxSection[]): string {
  const title = printable(rawTitle);
  const sections = rawSections.map((section) => section.map(printable));
  const lines = [title, ...sections.flat()];
  const width = Math.max(MIN_WIDTH, ...lines.map((line) => [...line].length));
  const row = (text: string) => `│ ${text}${' '.repeat(width - [...text].length)} │`;
  const rule = (left: string, right: string) => `${left}${'─'.repeat(width + 2)}${right}`;
  return [
    rule('┌', '┐'),
    row(title),
    ...sections.flatMap((section) => [rule('├', '┤'), ...section.map(row)]),
    rule('└', '┘'),
  ].join('\n');
}
