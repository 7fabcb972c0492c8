import fs from 'node:fs';
import path from 'node:path';
import { jsonFileContent } from '../src/model/editorSchemas';

/**
 * Sets `yaml.schemas` in `<root>/.vscode/settings.json`, keeping the file's other settings and the
 * mappings of schemas that are not deployer's. A settings file with comments is not rewritten
 * (JSON.parse refuses it, and rewriting would drop them): `written` is false then.
 */
export function writeYamlSchemasSetting(root: string, setting: Record<string, string[]>): { file: string; written: boolean } {
  const file = path.join(root, '.vscode', 'settings.json');
  let settings: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return { file, written: false };
    }
  }
  // A schema written before to another directory (an earlier --out) is deployer's too: replaced.
  const ours = new Set(Object.keys(setting).map((schema) => path.posix.basename(schema)));
  const others = Object.entries((settings['yaml.schemas'] ?? {}) as Record<string, unknown>).filter(([schema]) => !ours.has(path.posix.basename(schema)));
  settings['yaml.schemas'] = { ...Object.fromEntries(others), ...setting };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, jsonFileContent(settings));
  return { file, written: true };
}
