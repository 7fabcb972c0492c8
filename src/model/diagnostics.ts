/** One problem in the deployment repo, pointing at where it was written. */
export interface Diagnostic {
  /** Repo-relative file path. */
  file: string;
  line: number;
  col: number;
  /** YAML path inside the file, e.g. `spec.scaling.replicas`; empty for the whole file. */
  path: string;
  message: string;
  /** What to do about it. */
  hint?: string;
  /** A warning is reported but loads (validate exits 0); without one, the problem fails the load. */
  severity?: 'warning';
}

/** `unknown environment "prod". Did you mean "production"? Environments in this repo: production, staging.` */
export function unknownNameMessage(what: string, word: string, candidates: string[], none: string): string {
  const suggestion = didYouMean(word, candidates);
  const listed = candidates.length ? [...candidates].sort().join(', ') : none;
  return `unknown ${what} "${word}".${suggestion ? ` Did you mean "${suggestion}"?` : ''} ${what[0]!.toUpperCase()}${what.slice(1)}s in this repo: ${listed}.`;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  const at = d.path ? ` (${d.path})` : '';
  return `${where}${at}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}${d.hint ? `\n    → ${d.hint}` : ''}`;
}

/** Warnings as commands print them: a count, then each one with its hint. */
export function formatWarnings(warnings: Diagnostic[]): string {
  return `⚠ ${warnings.length} warning${warnings.length === 1 ? '' : 's'}:\n\n${warnings.map(formatDiagnostic).join('\n')}`;
}

export function isWarning(d: Diagnostic): boolean {
  return d.severity === 'warning';
}

export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.message.localeCompare(b.message));
}

/** The closest candidate by edit distance, when it is close enough to be a plausible typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  // An abbreviation ("prod" for "production") is far in edit distance but an obvious intent.
  const extension = word.length >= 3 ? list.filter((candidate) => candidate.toLowerCase().startsWith(word.toLowerCase())) : [];
  if (extension.length === 1) return extension[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
