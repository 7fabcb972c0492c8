import fs from 'node:fs';
import { Document, isMap, isPair, isScalar, isSeq, LineCounter, Node, Pair, parseDocument, visit, YAMLMap } from 'yaml';
import { formatBytes } from '../byteSize';
import type { Diagnostic } from './diagnostics';
import type { SourceLocation } from './types';

export type YamlPath = (string | number)[];

/**
 * The largest file the loader reads. Deployment repo files are hand-written settings of a few KB;
 * parsing holds about 100 times a file's size in memory (a 20 MB file took 2 GB).
 */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * How many nodes one alias may expand to (yaml's own default, stated here because it is a limit we
 * rely on): a "billion laughs" document of nested aliases would otherwise expand to gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

const SYNTAX_HINT = 'Fix the YAML syntax (indentation, quotes, colons).';

/** A parsed YAML file that can point back at the line of any value in it. */
export class YamlFile {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
    /** The file as plain data (computed once: files are read many times while loading). */
    readonly value: unknown,
  ) {}

  /**
   * Parses `absolutePath`; syntax errors, a file over MAX_FILE_BYTES and aliases that expand past
   * MAX_ALIAS_COUNT become diagnostics (with `file` as the shown name).
   */
  static read(absolutePath: string, file: string): { yaml: YamlFile; diagnostics: Diagnostic[] } {
    const bytes = fs.statSync(absolutePath).size;
    if (bytes > MAX_FILE_BYTES) {
      // Not even read: the empty document stands in, and every caller stops at the diagnostic.
      const empty = new YamlFile(file, new Document(), new LineCounter(), undefined);
      return { yaml: empty, diagnostics: [{ file, line: 1, col: 1, path: '', message: `file is ${formatBytes(bytes)}; the limit is ${formatBytes(MAX_FILE_BYTES)}`, hint: 'Deployment repo files hold hand-written settings: split this one up, or keep generated data out of the deployment repo.' }] };
    }
    const lines = new LineCounter();
    // yaml's own duplicate-key check compares each key with every earlier one (quadratic: 40k keys
    // took a minute); duplicateKeys() does the same check in one pass.
    const doc = parseDocument(fs.readFileSync(absolutePath, 'utf8'), { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    const located = (offset: number, message: string, hint: string): Diagnostic => ({ file, ...lines.linePos(offset), path: '', message, hint });
    // Only the first syntax error: the parser reads what follows it out of place, so one bad
    // indentation would also yield an error for each line after it, none of them a mistake.
    const firstError = doc.errors[0];
    const diagnostics = firstError
      ? [located(firstError.pos[0], `YAML syntax error: ${firstError.message.split('\n')[0]}`, SYNTAX_HINT)]
      : duplicateKeys(doc).map((offset) => located(offset, 'YAML syntax error: Map keys must be unique', SYNTAX_HINT));
    let value: unknown;
    if (!diagnostics.length) {
      try {
        value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (error) {
        if (!(error instanceof ReferenceError)) throw error;
        diagnostics.push(located(firstAliasOffset(doc), `YAML aliases expand to more than ${MAX_ALIAS_COUNT} nodes each (a "billion laughs" document)`, 'Write the repeated values out, or use fewer levels of aliases.'));
      }
    }
    return { yaml: new YamlFile(file, doc, lines, value), diagnostics };
  }

  /** Whether `path` is written in this file (its value may be null). */
  has(path: YamlPath): boolean {
    let node: unknown = this.doc.contents;
    for (const segment of path) {
      if (isMap(node)) node = entryOf(node, segment)?.value;
      else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) node = node.items[segment];
      else return false;
      if (node === undefined) return false;
    }
    return true;
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
        const pair = entryOf(node, segment);
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

/**
 * Each mapping's entries by key, built on first lookup: scanning the mapping for every lookup made
 * locating N problems in a mapping of N keys quadratic (40k unknown fields: minutes).
 */
const entriesByKey = new WeakMap<YAMLMap, { count: number; pairs: Map<string, Pair> }>();

/** The entry of `map` whose key reads as `key`; the first one, as in the file. */
function entryOf(map: YAMLMap, key: string | number): Pair | undefined {
  let index = entriesByKey.get(map);
  // Rebuilt when entries were added or removed since (drift acknowledge edits documents in place).
  if (!index || index.count !== map.items.length) {
    index = { count: map.items.length, pairs: new Map() };
    for (const item of map.items) {
      const text = isPair(item) ? keyText(item.key) : undefined;
      if (text !== undefined && !index.pairs.has(text)) index.pairs.set(text, item);
    }
    entriesByKey.set(map, index);
  }
  return index.pairs.get(String(key));
}

/** A scalar key as text; keys set by editing the document (`setIn`) are plain values, not nodes. */
function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

/** Offsets of keys written a second time in the same mapping (scalar keys, compared as yaml does). */
function duplicateKeys(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const item of map.items) {
        if (!isScalar(item.key)) continue;
        if (seen.has(item.key.value)) offsets.push(nodeOffset(item.key) ?? 0);
        seen.add(item.key.value);
      }
    },
  });
  return offsets;
}

/** Where the first alias is written: where to look for the ones that multiply. */
function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, alias) {
      offset = nodeOffset(alias) ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

function nodeOffset(node: unknown): number | undefined {
  return (node as Node | undefined)?.range?.[0];
}

export function formatPath(path: YamlPath): string {
  return path.reduce<string>((text, segment) => (typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment), '');
}
