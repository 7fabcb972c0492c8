// `deployer drift acknowledge`: accept what runs as desired by editing the deployment repo's YAML
// where the field's effective value is written, in place: comments, blank lines, quoting and flow
// lists stay as they were (the yaml library's Document API), so the diff is only the change.
import fs from 'node:fs';
import path from 'node:path';
import { componentOrigin, deepMerge } from '../model/componentLoader';
import { COMPONENT_FILES, kindDeclaredIn } from '../model/componentFiles';
import { formatPath, YamlFile, YamlPath } from '../model/yamlFile';
import type { FieldDriftReport } from '../temporal/drift';
import { display } from './report';
import { unifiedDiff } from './unifiedDiff';

/** Options that reproduce an untouched file byte for byte (checked against every YAML file in the repo's examples). */
const TO_STRING = { flowCollectionPadding: false, lineWidth: 0 } as const;

export interface AcknowledgeTarget {
  /** Deployment repo root. */
  root: string;
  stack: string;
  service: string;
  component: string;
  environment: string;
}

/** One field set to its actual value: where, from what, to what. */
export interface AcknowledgedField {
  component: string;
  field: string;
  /** Repo-relative file that was edited. */
  file: string;
  /** The YAML path set in it: `overrides.development.scaling.replicas`. */
  yamlPath: string;
  from: unknown;
  to: unknown;
}

export interface FileEdit {
  /** Repo-relative. */
  file: string;
  before: string;
  after: string;
  diff: string;
}

/** Why a drifted field cannot be written back to the YAML, or undefined when it can. */
export function notAcknowledgeable(field: FieldDriftReport): string | undefined {
  if (field.secret) return `${field.field} is a secret: its value never leaves the worker, so it cannot be written to the repo. Change it in the secret store, or remediate`;
  if (field.actual === null || field.actual === undefined) return `${field.field} is not set in what runs; remove it from the YAML by hand if that is what you want`;
  const last = field.specPath[field.specPath.length - 1];
  if (typeof last !== 'string' || field.field === 'configs' || (field.specPath[0] === 'environment' && last !== 'value')) {
    return `${field.field} is not written as a plain value in the YAML (a valueFrom reference, a list, or config file contents); edit it by hand, or remediate`;
  }
  if (field.derived) return `${field.field} is not a setting of the YAML: deployer applies it to every deployment; remediate to restore it, or ignore it`;
  return undefined;
}

/**
 * Sets each field to its actual value in the component's files. Where the value is written for this
 * environment (`overrides.<environment>`) it is changed there; where it comes from `spec` (shared by
 * every environment) the new value goes into `overrides.<environment>` of that same file, so
 * accepting a change seen in one environment never changes another. Lists are replaced whole by
 * overrides (the merge rule), so a list element is acknowledged by overriding the whole list.
 */
export function acknowledgeFields(target: AcknowledgeTarget, fields: FieldDriftReport[]): { fields: AcknowledgedField[]; edits: FileEdit[] } {
  const dir = path.join(target.root, 'stacks', target.stack, 'services', target.service, 'components', target.component);
  const kind = kindDeclaredIn((file) => fs.existsSync(path.join(dir, file)));
  if (!kind) throw new Error(`${path.relative(target.root, dir)} has no component file; is ${target.service}/${target.component} in this checkout?`);
  const read = (name: string): YamlFile | undefined => {
    const absolute = path.join(dir, name);
    if (!fs.existsSync(absolute)) return undefined;
    const { yaml, diagnostics } = YamlFile.read(absolute, path.relative(target.root, absolute));
    if (diagnostics.length) throw new Error(`${diagnostics[0]!.file}:${diagnostics[0]!.line}: ${diagnostics[0]!.message}; fix it before acknowledging`);
    return yaml;
  };
  const main = read(COMPONENT_FILES[kind].files[0])!;
  const infra = kind === 'MicroService' ? read('infra.yaml') : undefined;
  const files = [main, ...(infra ? [infra] : [])];
  const originals = new Map(files.map((file) => [file, file.doc.toString(TO_STRING)]));
  const origin = componentOrigin(main, infra, target.environment);
  const acknowledged: AcknowledgedField[] = [];

  for (const field of fields) {
    const problem = notAcknowledgeable(field);
    if (problem) throw new Error(problem);
    const at = origin(field.specPath);
    let yamlPath: YamlPath;
    let value: unknown = field.actual;
    if (at.path[0] === 'overrides') {
      yamlPath = at.path;
    } else {
      const listAt = field.specPath.findIndex((segment) => typeof segment === 'number');
      if (listAt === -1) {
        yamlPath = ['overrides', target.environment, ...field.specPath];
      } else {
        const listPath = field.specPath.slice(0, listAt);
        const list = structuredClone(lookup(rawMerged(main, infra, target.environment), listPath)) as unknown[];
        setPath(list, field.specPath.slice(listAt), field.actual);
        yamlPath = ['overrides', target.environment, ...listPath];
        value = list;
      }
    }
    const from = at.file.doc.hasIn(at.path) ? toJs(at.file.doc.getIn(at.path)) : field.desired;
    at.file.doc.setIn(yamlPath, value);
    acknowledged.push({ component: target.component, field: field.field, file: at.file.file, yamlPath: formatPath(yamlPath), from, to: field.actual });
  }

  const edits: FileEdit[] = [];
  for (const file of files) {
    const before = fs.readFileSync(path.join(target.root, file.file), 'utf8');
    const after = file.doc.toString(TO_STRING);
    if (after === originals.get(file)) continue;
    edits.push({ file: file.file, before, after, diff: unifiedDiff(file.file, before, after) });
  }
  return { fields: acknowledged, edits };
}

/** Writes the edits to the checkout. */
export function writeEdits(root: string, edits: FileEdit[]): void {
  for (const edit of edits) fs.writeFileSync(path.join(root, edit.file), edit.after);
}

/** `api replicas: 2 → 3 (stacks/.../infra.yaml, overrides.development.scaling.replicas)` */
export function describeAcknowledged(field: AcknowledgedField): string {
  return `${field.component} ${field.field}: ${display(field.from)} → ${display(field.to)}  (${field.file}, ${field.yamlPath})`;
}

/** The component's spec as written (variables not filled in): spec layers, then this environment's overrides. */
function rawMerged(main: YamlFile, infra: YamlFile | undefined, environment: string): unknown {
  const layers: unknown[] = [];
  for (const file of [main, infra]) if (file) layers.push((file.value as { spec?: unknown }).spec);
  for (const file of [main, infra]) if (file) layers.push((file.value as { overrides?: Record<string, unknown> }).overrides?.[environment]);
  return layers.reduce<unknown>((merged, layer) => deepMerge(merged, layer), {});
}

function lookup(value: unknown, at: YamlPath): unknown {
  return at.reduce<unknown>((current, key) => (current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[key] : undefined), value);
}

function setPath(target: unknown, at: YamlPath, value: unknown): void {
  const parent = lookup(target, at.slice(0, -1)) as Record<string | number, unknown> | undefined;
  if (!parent || typeof parent !== 'object') throw new Error(`cannot set ${formatPath(at)}: it is not in the YAML`);
  parent[at[at.length - 1]!] = value;
}

function toJs(node: unknown): unknown {
  return node !== null && typeof node === 'object' && 'toJSON' in node ? (node as { toJSON(): unknown }).toJSON() : node;
}
