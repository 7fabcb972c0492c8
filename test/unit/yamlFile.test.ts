import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatDiagnostic } from '../../src/model/diagnostics';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { MAX_FILE_BYTES, YamlFile } from '../../src/model/yamlFile';
import { ModelValidationError } from '../../src/errors';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-yaml-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(rel: string, text: string): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe('YamlFile.read', () => {
  it('refuses a file over the size limit without parsing it, saying its size, the limit and what to do', () => {
    const lines = Math.ceil((MAX_FILE_BYTES * 1.5) / 'key-000000: value\n'.length);
    const file = write('big.yaml', Array.from({ length: lines }, (_, index) => `key-${String(index).padStart(6, '0')}: value\n`).join(''));
    const { diagnostics } = YamlFile.read(file, 'environments/big.yaml');
    expect(diagnostics).toEqual([
      {
        file: 'environments/big.yaml',
        line: 1,
        col: 1,
        path: '',
        message: 'file is 1.5 MB; the limit is 1.0 MB',
        hint: 'Deployment repo files hold hand-written settings: split this one up, or keep generated data out of the deployment repo.',
      },
    ]);
  });

  it('reads a file of exactly the limit', () => {
    const file = write('edge.yaml', `a: ${'x'.repeat(MAX_FILE_BYTES - 'a: \n'.length)}\n`);
    expect(fs.statSync(file).size).toBe(MAX_FILE_BYTES);
    expect(YamlFile.read(file, 'edge.yaml').diagnostics).toEqual([]);
  });

  it('reports an alias bomb as a diagnostic of its file, not a bare ReferenceError', () => {
    // a: &a [lol, ...], b: &b [*a, ...], ... i: 9^9 lols.
    const names = 'abcdefghi';
    const levels = [...names].map((name, index) => `${name}: &${name} [${Array(9).fill(index ? `*${names[index - 1]}` : 'lol').join(', ')}]`);
    const file = write('bomb.yaml', `${levels.join('\n')}\n`);
    const { diagnostics } = YamlFile.read(file, 'stacks/shop/bomb.yaml');
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'stacks/shop/bomb.yaml:2:8: YAML aliases expand to more than 100 nodes each (a "billion laughs" document)\n    → Write the repeated values out, or use fewer levels of aliases.',
    ]);
  });

  it('still reads a few aliases', () => {
    const file = write('aliases.yaml', 'base: &base { port: 8080 }\napi: *base\nweb: *base\n');
    const { yaml, diagnostics } = YamlFile.read(file, 'aliases.yaml');
    expect(diagnostics).toEqual([]);
    expect(yaml.value).toEqual({ base: { port: 8080 }, api: { port: 8080 }, web: { port: 8080 } });
  });

  it('reports one bad indentation once, at its line, not each line the parser then misreads', () => {
    // yaml itself reports 7 errors on lines 5-7 for this one mistake.
    const file = write('indent.yaml', 'spec:\n  image: x:1\n  healthCheck:\n    path: /h\n intervalSeconds: 5\n    timeoutSeconds: 2\n  port: 3\n  replicas: 2\n');
    const { diagnostics } = YamlFile.read(file, 'indent.yaml');
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual(['5:1 YAML syntax error: All mapping items must start at the same column']);
  });

  it('reports every key written twice in a mapping, at the second one, block and flow alike', () => {
    const file = write('twice.yaml', 'a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\ne: { f: 1, f: 2 }\na: 5\n"1": x\n1: y\n');
    const { diagnostics } = YamlFile.read(file, 'twice.yaml');
    // "1" (a string) and 1 (a number) are different keys, as yaml itself has them.
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).sort()).toEqual(['5:3 YAML syntax error: Map keys must be unique', '6:12 YAML syntax error: Map keys must be unique', '7:1 YAML syntax error: Map keys must be unique']);
  });
});

describe('YamlFile.has and locate', () => {
  it('finds keys (the first of equal ones), list items and null values, and not what is missing', () => {
    const file = write('spec.yaml', 'spec:\n  port: 8080\n  empty:\n  list: [a, b]\n');
    const { yaml } = YamlFile.read(file, 'spec.yaml');
    expect(yaml.has(['spec', 'port'])).toBe(true);
    expect(yaml.has(['spec', 'empty'])).toBe(true);
    expect(yaml.has(['spec', 'list', 1])).toBe(true);
    expect(yaml.has(['spec', 'list', 2])).toBe(false);
    expect(yaml.has(['spec', 'empty', 'deeper'])).toBe(false);
    expect(yaml.has(['spec', 'image'])).toBe(false);
    expect(yaml.locate(['spec', 'list', 1])).toEqual({ file: 'spec.yaml', line: 4, col: 13 });
    expect(yaml.locate(['spec', 'image'])).toEqual({ file: 'spec.yaml', line: 1, col: 1 });
  });

  it('sees keys added to the document after a lookup (drift acknowledge edits it in place)', () => {
    const file = write('spec.yaml', 'spec:\n  port: 8080\n');
    const { yaml } = YamlFile.read(file, 'spec.yaml');
    expect(yaml.has(['spec', 'replicas'])).toBe(false);
    yaml.doc.setIn(['spec', 'replicas'], 3);
    expect(yaml.has(['spec', 'replicas'])).toBe(true);
  });
});

describe('the loader', () => {
  it('names an oversized file of the repo, and still reports the problems of the others', () => {
    write('environments/production.yaml', `apiVersion: components.deployer.io/v1\nkind: Environment\nmetadata:\n  name: production\nspec:\n  target: local\n`);
    write('stacks/shop/services/cart/service.yaml', `apiVersion: components.deployer.io/v1\nkind: Service\nmetadata:\n  name: cart\nspec:\n  team: shop\n`);
    const labels = Array.from({ length: 80_000 }, (_, index) => `    label-${index}: value\n`).join('');
    write('stacks/shop/services/cart/components/api/microservice.yaml', `apiVersion: components.deployer.io/v1\nkind: MicroService\nmetadata:\n  name: api\n  labels:\n${labels}spec:\n  image: cart-api:v1\n`);
    let error: unknown;
    try {
      loadDesiredStack({ root: dir, stack: 'shop', environment: 'production' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModelValidationError);
    expect((error as ModelValidationError).diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`)).toEqual([
      'stacks/shop/services/cart/components/api/microservice.yaml:1:1 file is 1.7 MB; the limit is 1.0 MB',
      'stacks/shop/services/cart/service.yaml:5:1 missing required field "owners"',
    ]);
  });
});
