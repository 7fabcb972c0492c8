import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeYamlSchemasSetting } from '../../cli/editorSettings';
import { editorSchemas, JsonSchema, jsonFileContent, schemaFileName, yamlSchemasSetting } from '../../src/model/editorSchemas';
import { allSchemas, COMPONENT_KINDS, componentKinds } from '../../src/model/schema';

const exampleRepo = path.resolve(__dirname, '../../examples/deployment-repo');

/** Paths (`spec.scaling.replicas`, `spec.environment[].valueFrom`) of properties without a description. */
function undescribed(schema: JsonSchema, at = ''): string[] {
  const missing: string[] = [];
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const where = at ? `${at}.${key}` : key;
    if (typeof property === 'object' && !property.description) missing.push(where);
    if (typeof property === 'object') missing.push(...undescribed(property, where));
  }
  const children: [string, unknown][] = [
    [`${at}[]`, schema.items],
    [`${at}.<key>`, schema.additionalProperties],
    ...(schema.anyOf ?? []).map((child): [string, unknown] => [at, child]),
  ];
  for (const [where, child] of children) {
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) missing.push(...undescribed(child as JsonSchema, where));
  }
  return missing;
}

/** How yaml-language-server (VS Code's YAML extension) matches yaml.schemas globs: `*` is any text, anchored at the path's end. */
function yamlLanguageServerMatches(file: string, glob: string): boolean {
  const pattern = glob.replace(/[-\\{}+?|^$.,[\]()#\s]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`${pattern}$`).test(file);
}

/** The YAML files the loader reads: everything but configs (the app's own files) and CI workflows. */
function repoYamlFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return ['configs', '.github', 'schemas', '.vscode'].includes(entry.name) ? [] : repoYamlFiles(path.join(dir, entry.name), relative);
    return /\.ya?ml$/.test(entry.name) ? [relative] : [];
  });
}

describe('the JSON Schemas for editors', () => {
  it('describe every property of every kind', () => {
    const missing = editorSchemas().flatMap(({ name, schema }) => undescribed(schema).map((where) => `${name}: ${where}`));
    expect(missing).toEqual([]);
  });

  it('write the default into the description, which is what a hover shows', () => {
    const environment = editorSchemas().find(({ name }) => name === 'Environment')!.schema;
    const spec = environment.properties!.spec as JsonSchema;
    const approval = spec.properties!.approval as JsonSchema;
    expect((approval.properties!.timeout as JsonSchema).description).toMatch(/from 1s to 30d\. Default: 24h\.$/);
    expect((spec.properties!.target as JsonSchema).description).toMatch(/local: .*aws: /);
  });

  it('let infra.yaml and overrides hold only the fields that differ', () => {
    const byName = new Map(editorSchemas().map(({ name, schema }) => [name, schema]));
    const specOf = (name: string) => byName.get(name)!.properties!.spec as JsonSchema;
    expect(specOf('MicroService').required).toEqual(['image']);
    expect(specOf('MicroService-infra').required).toBeUndefined();
    const override = (byName.get('RDS')!.properties!.overrides as JsonSchema).additionalProperties as JsonSchema;
    expect(override.required).toBeUndefined();
    expect(Object.keys(override.properties!)).toContain('multiAZ');
  });

  it('map every kind and every component file to its files', () => {
    const schemas = editorSchemas();
    for (const kind of Object.keys(allSchemas())) expect(schemas.map(({ name }) => name)).toContain(kind);
    const componentFiles = componentKinds.flatMap((kind) => COMPONENT_KINDS[kind].files);
    for (const file of componentFiles) expect(schemas.flatMap(({ files }) => files)).toContainEqual(expect.stringMatching(new RegExp(`/${file.replace('.', '\\.')}$`)));
    expect(Object.keys(yamlSchemasSetting('schemas'))).toEqual(schemas.map(({ name }) => `./schemas/${schemaFileName(name)}`));
  });

  it('give each YAML file of the example repo exactly one schema, whichever way the editor matches globs', () => {
    const setting = yamlSchemasSetting('schemas');
    const files = repoYamlFiles(exampleRepo);
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const byLanguageServer = Object.keys(setting).filter((schema) => setting[schema]!.some((glob) => yamlLanguageServerMatches(`/work/repo/${file}`, glob)));
      const byGlob = Object.keys(setting).filter((schema) => setting[schema]!.some((glob) => path.matchesGlob(`work/repo/${file}`, glob)));
      expect({ file, schemas: byLanguageServer }).toEqual({ file, schemas: [expect.any(String)] });
      expect({ file, schemas: byGlob }).toEqual({ file, schemas: byLanguageServer });
    }
  });

  it('are checked in, current, for the example repo and its .vscode/settings.json', () => {
    const schemas = editorSchemas();
    const stale = 'regenerate them: cd examples/deployment-repo && deployer schema --out schemas';
    expect([fs.readdirSync(path.join(exampleRepo, 'schemas')).sort(), stale]).toEqual([schemas.map(({ name }) => schemaFileName(name)).sort(), stale]);
    for (const { name, schema } of schemas) {
      expect([name, fs.readFileSync(path.join(exampleRepo, 'schemas', schemaFileName(name)), 'utf8'), stale]).toEqual([name, jsonFileContent(schema), stale]);
    }
    expect(fs.readFileSync(path.join(exampleRepo, '.vscode', 'settings.json'), 'utf8')).toBe(jsonFileContent({ 'yaml.schemas': yamlSchemasSetting('schemas') }));
  });
});

describe('the .vscode/settings.json deployer schema writes', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'editor-settings-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));
  const settingsFile = () => path.join(root, '.vscode', 'settings.json');

  it('keeps the other settings and schemas, and replaces its own schemas written elsewhere before', () => {
    fs.mkdirSync(path.join(root, '.vscode'));
    const before = { 'editor.tabSize': 2, 'yaml.schemas': { 'https://json.schemastore.org/github-workflow.json': ['.github/workflows/*'], './old/SQS.schema.json': ['**/sqs.yaml'] } };
    fs.writeFileSync(settingsFile(), JSON.stringify(before));
    expect(writeYamlSchemasSetting(root, yamlSchemasSetting('schemas')).written).toBe(true);
    const after = JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as { 'editor.tabSize': number; 'yaml.schemas': Record<string, string[]> };
    expect(after['editor.tabSize']).toBe(2);
    expect(Object.keys(after['yaml.schemas'])).toEqual(['https://json.schemastore.org/github-workflow.json', ...Object.keys(yamlSchemasSetting('schemas'))]);
  });

  it('leaves a settings file with comments alone', () => {
    fs.mkdirSync(path.join(root, '.vscode'));
    fs.writeFileSync(settingsFile(), '{\n  // mine\n  "editor.tabSize": 2\n}\n');
    expect(writeYamlSchemasSetting(root, yamlSchemasSetting('schemas')).written).toBe(false);
    expect(fs.readFileSync(settingsFile(), 'utf8')).toContain('// mine');
  });
});
