import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { z } from 'zod';
import { BaseCommand } from '../baseCommand';
import { allSchemas } from '../../src/model/schema';

export default class Schema extends BaseCommand {
  static override summary = 'Write a JSON Schema per kind, so editors autocomplete and check the YAML.';
  static override description = 'For VS Code (redhat.vscode-yaml), add to a YAML file: # yaml-language-server: $schema=<out>/MicroService.schema.json';
  static override examples = ['<%= config.bin %> schema --out schemas'];
  static override flags = {
    out: Flags.string({ description: 'Directory to write the schemas to.', default: 'schemas' }),
  };

  async run() {
    const { flags } = await this.parse(Schema);
    fs.mkdirSync(flags.out, { recursive: true });
    const written = Object.entries(allSchemas()).map(([kind, schema]) => {
      const file = path.join(flags.out, `${kind}.schema.json`);
      const json = { ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), title: `deployer ${kind}` };
      fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
      return file;
    });
    this.log(`Wrote ${written.length} schemas:\n${written.map((file) => `  ${file}`).join('\n')}`);
    return { files: written };
  }
}
