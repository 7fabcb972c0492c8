import path from 'node:path';
import { z } from 'zod';
import { COMPONENT_KINDS, componentFileSchema, componentKinds, environmentFileSchema, repositoryFileSchema, serviceFileSchema } from './schema';

// The JSON Schemas editors use to complete, document and check the deployment repo's YAML, and the
// files each applies to. They are the zod schemas' JSON Schema form (deployer validate stays the
// authority) with what an editor needs on top: infra.yaml and overrides hold only some spec fields,
// and a hover shows the description, not the default, so the default is written into it.

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface EditorSchema {
  /** Also the file name: `<name>.schema.json`. */
  name: string;
  /** The files it applies to, as globs from the repo root. */
  files: string[];
  schema: JsonSchema;
}

const SERVICE_DIR = 'stacks/*/services/*';

/** Every file kind of the deployment repo the loader reads (loadRepo.ts, componentLoader.ts), with its schema. */
export function editorSchemas(): EditorSchema[] {
  return [
    // environments/aws/ holds copies to move up when deploying to AWS: Environment files all the same.
    { name: 'Environment', files: ['environments/*.yaml', 'environments/*.yml', 'environments/*/*.yaml', 'environments/*/*.yml'], schema: toJsonSchema(environmentFileSchema) },
    { name: 'Repository', files: ['deployer.yaml'], schema: toJsonSchema(repositoryFileSchema) },
    { name: 'Service', files: [`${SERVICE_DIR}/service.yaml`], schema: toJsonSchema(serviceFileSchema) },
    ...componentKinds.flatMap((kind) =>
      COMPONENT_KINDS[kind].files.map((file, index) => {
        const schema = componentJsonSchema(kind, { specComplete: index === 0 });
        // The first file holds the component; the others (a MicroService's infra.yaml) add to its spec.
        const name = index === 0 ? kind : `${kind}-${path.basename(file, '.yaml')}`;
        return { name, files: [`${SERVICE_DIR}/components/*/${file}`], schema };
      }),
    ),
  ].map(({ name, files, schema }) => ({ name, files, schema: { ...withDefaultsDescribed(schema), title: `deployer ${name}` } }));
}

/** The `yaml.schemas` setting of VS Code's YAML extension (redhat.vscode-yaml): schema file -> globs of the files it applies to. */
export function yamlSchemasSetting(schemaDir: string): Record<string, string[]> {
  const dir = schemaDir.split(path.sep).join('/');
  // `**/` so the globs also match when the workspace folder holds the repo deeper down.
  return Object.fromEntries(editorSchemas().map(({ name, files }) => [`./${dir}/${schemaFileName(name)}`, files.map((file) => `**/${file}`)]));
}

export function schemaFileName(name: string): string {
  return `${name}.schema.json`;
}

export function jsonFileContent(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function toJsonSchema(schema: z.ZodType): JsonSchema {
  // Draft 7: what yaml-language-server reads. Refinements (duration bounds) have no JSON form: they
  // are left out, and `deployer validate` reports them.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
}

/**
 * A component file's schema, with overrides typed as the spec. Overrides, and a spec that completes
 * another file's (infra.yaml), may leave out any field: the merged spec is what must be complete.
 */
function componentJsonSchema(kind: keyof typeof COMPONENT_KINDS, { specComplete }: { specComplete: boolean }): JsonSchema {
  const file = toJsonSchema(componentFileSchema(kind, false));
  const properties = file.properties as Record<string, JsonSchema>;
  const spec = properties.spec!;
  const partialSpec = withoutRequired(spec);
  const overrides = { ...properties.overrides!, additionalProperties: { ...partialSpec, description: 'The spec fields that differ in this environment.' } };
  return { ...file, properties: { ...properties, spec: specComplete ? spec : partialSpec, overrides } };
}

function withoutRequired(schema: JsonSchema): JsonSchema {
  return mapSchema(schema, (node) => {
    const { required: _required, ...rest } = node;
    return rest;
  });
}

/** Appends `Default: x.` to the description of each field with a scalar default, unless it already speaks of its default. */
function withDefaultsDescribed(schema: JsonSchema): JsonSchema {
  return mapSchema(schema, (node) => {
    const shown = describeDefault(node.default);
    if (!shown || !node.description || /default/i.test(node.description)) return node;
    return { ...node, description: `${node.description} Default: ${shown}.` };
  });
}

function describeDefault(value: unknown): string | undefined {
  const scalar = (item: unknown) => ['string', 'number', 'boolean'].includes(typeof item);
  if (scalar(value)) return String(value);
  if (Array.isArray(value) && value.length > 0 && value.every(scalar)) return value.join(', ');
  return undefined;
}

/** Applies `change` to every schema node, children first (properties, items, unions, records). */
function mapSchema(schema: JsonSchema, change: (node: JsonSchema) => JsonSchema): JsonSchema {
  const node: JsonSchema = { ...schema };
  const map = (child: unknown) => (isSchema(child) ? mapSchema(child, change) : child);
  if (node.properties) node.properties = Object.fromEntries(Object.entries(node.properties).map(([key, child]) => [key, map(child) as JsonSchema]));
  if (node.items) node.items = Array.isArray(node.items) ? node.items.map((child) => map(child) as JsonSchema) : (map(node.items) as JsonSchema);
  if (node.additionalProperties) node.additionalProperties = map(node.additionalProperties) as JsonSchema;
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (node[key]) node[key] = node[key].map((child) => map(child) as JsonSchema);
  }
  return change(node);
}

function isSchema(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
