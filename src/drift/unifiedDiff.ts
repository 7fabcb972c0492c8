// A unified diff of two versions of a text file (what `git diff` prints), for showing an edit before
// it is committed. Line-based LCS: deployment repo files are small.

type Op = { type: ' ' | '-' | '+'; line: string };

/** `--- a/<file>` / `+++ b/<file>` and hunks with `context` lines around each change; empty when equal. */
export function unifiedDiff(file: string, before: string, after: string, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const hunks: string[] = [];
  let index = 0;
  while (index < ops.length) {
    if (ops[index]!.type === ' ') {
      index++;
      continue;
    }
    // A hunk: from `context` lines before this change to `context` lines after the last change
    // that is within 2 * context lines of the previous one.
    const start = Math.max(0, index - context);
    let end = index;
    let last = index;
    while (end < ops.length) {
      if (ops[end]!.type !== ' ') last = end;
      else if (end - last > 2 * context) break;
      end++;
    }
    end = Math.min(ops.length, last + context + 1);
    hunks.push(hunk(ops, start, end));
    index = end;
  }
  return [`--- a/${file}`, `+++ b/${file}`, ...hunks].join('\n') + '\n';
}

function hunk(ops: Op[], start: number, end: number): string {
  let oldLine = 1;
  let newLine = 1;
  for (let index = 0; index < start; index++) {
    if (ops[index]!.type !== '+') oldLine++;
    if (ops[index]!.type !== '-') newLine++;
  }
  const slice = ops.slice(start, end);
  const oldCount = slice.filter((op) => op.type !== '+').length;
  const newCount = slice.filter((op) => op.type !== '-').length;
  const range = (line: number, count: number) => (count === 1 ? `${line}` : `${count === 0 ? line - 1 : line},${count}`);
  return [`@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@`, ...slice.map((op) => `${op.type}${op.line}`)].join('\n');
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffLines(a: string[], b: string[]): Op[] {
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ type: ' ', line: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      ops.push({ type: '-', line: a[i++]! });
    } else {
      ops.push({ type: '+', line: b[j++]! });
    }
  }
  while (i < a.length) ops.push({ type: '-', line: a[i++]! });
  while (j < b.length) ops.push({ type: '+', line: b[j++]! });
  return ops;
}
