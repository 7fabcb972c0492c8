import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../baseCommand';
import { optionalRepoRoot } from '../drift';
import { writeYamlSchemasSetting } from '../editorSettings';
import { editorSchemas, jsonFileContent, schemaFileName, yamlSchemasSetting } from '../../src/model/editorSchemas';
import { repoFlag } from '../flags';

export default class Schema extends BaseCommand {
  static override summary = 'Write a JSON Schema per kind, and point VS Code at them, so editors autocomplete, document and check the YAML.';
  static override description =
    "Also sets yaml.schemas in the repo's .vscode/settings.json (other settings are kept), mapping each schema to its files (environments/*.yaml, deployer.yaml, service.yaml, microservice.yaml, infra.yaml, rds.yaml, elasticache.yaml, sqs.yaml) for VS Code's YAML extension (redhat.vscode-yaml). Other editors: add `# yaml-language-server: $schema=<out>/<Kind>.schema.json` to a file, or map the files in their own settings.";
  static override examples = ['<%= config.bin %> schema --out schemas', '<%= config.bin %> schema --out schemas --no-vscode'];
  static override flags = {
    out: Flags.string({ description: 'Directory to write the schemas to.', default: 'schemas' }),
    repo: repoFlag({ description: 'Deployment repo root, where .vscode/ goes (default: the nearest directory above the current one that has stacks/, else the current one).' }),
    vscode: Flags.boolean({ description: "Set yaml.schemas in the repo's .vscode/settings.json.", default: true, allowNo: true }),
  };

  async run() {
    const { flags } = await this.parse(Schema);
    fs.mkdirSync(flags.out, { recursive: true });
    const written = editorSchemas().map(({ name, schema }) => {
      const file = path.join(flags.out, schemaFileName(name));
      fs.writeFileSync(file, jsonFileContent(schema));
      return file;
    });
    this.log(`Wrote ${written.length} schemas:\n${written.map((file) => `  ${file}`).join('\n')}`);
    if (!flags.vscode) return { files: written };

    const root = optionalRepoRoot(flags.repo) ?? process.cwd();
    const setting = yamlSchemasSetting(path.relative(root, path.resolve(flags.out)));
    const settings = writeYamlSchemasSetting(root, setting);
    if (settings.written) {
      this.log(`Set yaml.schemas in ${settings.file}: VS Code with the YAML extension (redhat.vscode-yaml) now completes and checks the repo's files.`);
    } else {
      this.warn(`${settings.file} is not plain JSON (comments?), so it was left alone. Add this to it:\n${JSON.stringify({ 'yaml.schemas': setting }, null, 2)}`);
    }
    return { files: written, vscodeSettings: settings.written ? settings.file : undefined };
  }
}
