import fs from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, Document } from 'yaml';
import type { Diagnostic } from './diagnostics';
import type { SourceLocation } from './types';

export type YamlPath = (string | number)[];

/** A parsed YAML file that can point back at the line of any value in it. */
export class YamlFile {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `absolutePath`; syntax errors become diagnostics (with `file` as the shown name). */
  static read(absolutePath: string, file: string): { yaml: YamlFile; diagnostics: Diagnostic[] } {
    const lines = new LineCounter();
    const doc = parseDocument(fs.readFileSync(absolutePath, 'utf8'), { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const yaml = new YamlFile(file, doc, lines);
    const diagnostics = doc.errors.map((error) => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { file, line, col, path: '', message: `YAML syntax error: ${error.message.split('\n')[0]}`, hint: 'Fix the YAML syntax (indentation, quotes, colons).' };
    });
    return { yaml, diagnostics };
  }

  private parsed?: { value: unknown };

  /** The file as plain data (computed once: files are read many times while loading). */
  get value(): unknown {
    this.parsed ??= { value: this.doc.toJS() };
    return this.parsed.value;
  }

  /**
   * Location of the value at `path`; with `key`, of its key instead (for unknown fields). A path
   * that does not exist points at its deepest existing parent, where a missing field belongs.
   */
  locate(path: YamlPath, options: { key?: boolean } = {}): SourceLocation {
    let node: unknown = this.doc.contents;
    let offset = nodeOffset(node) ?? 0;
    // Key of the mapping entry `node` came from: a field missing from a block mapping is reported
    // at `spec:` (the parent's key), not at whichever unrelated field happens to come first in it.
    let parentKey: number | undefined;
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) {
          offset = parentKey ?? offset;
          break;
        }
        const last = index === path.length - 1;
        offset = (last && options.key ? nodeOffset(pair.key) : nodeOffset(pair.value) ?? nodeOffset(pair.key)) ?? offset;
        parentKey = nodeOffset(pair.key);
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
        offset = nodeOffset(node) ?? offset;
        parentKey = undefined;
      } else {
        break;
      }
    }
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  diagnostic(path: YamlPath, message: string, hint?: string, options: { key?: boolean } = {}): Diagnostic {
    return { ...this.locate(path, options), path: formatPath(path), message, hint };
  }
}

function nodeOffset(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

export function formatPath(path: YamlPath): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}
