import fs from 'node:fs';
import path from 'node:path';
import { installRoot } from '../../src/paths';

// The reference is generated from the oclif manifest, which `npm run build` computes from the
// commands; `npm test` builds before it runs the tests.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node script of the build
const { currentCommandsDoc, docFile, renderCommandsDoc } = require('../../scripts/commands-doc.js');

interface ManifestCommand {
  id: string;
  examples?: unknown[];
}

function manifestCommands(): ManifestCommand[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(installRoot, 'oclif.manifest.json'), 'utf8'));
  return Object.values(manifest.commands);
}

describe('docs/commands.md', () => {
  it('is what the commands say about themselves now', () => {
    const checkedIn = fs.readFileSync(docFile, 'utf8');
    if (checkedIn !== currentCommandsDoc()) {
      throw new Error('docs/commands.md is out of date with the commands: run npm run docs:commands and commit it');
    }
  });

  it('documents every command', () => {
    const doc = fs.readFileSync(docFile, 'utf8');
    const missing = manifestCommands().filter((command) => !doc.includes(`## \`deployer ${command.id.replace(/:/g, ' ')}\``));
    expect(missing.map((command) => command.id)).toEqual([]);
  });

  it('fills the command name into examples and lists shared flags once', () => {
    const manifest = {
      commands: {
        'dev:stop': {
          id: 'dev:stop',
          summary: 'Stop it.',
          examples: ['<%= config.bin %> dev stop'],
          flags: {
            json: { name: 'json', type: 'boolean', helpGroup: 'GLOBAL', description: 'Format output as json.' },
            force: { name: 'force', type: 'boolean', allowNo: false, description: 'Even if busy.' },
            limit: { name: 'limit', type: 'option', default: 10, required: true, description: 'At most | this many.' },
          },
        },
      },
    };
    const doc: string = renderCommandsDoc(manifest, 'deployer');
    expect(doc).toContain('```bash\ndeployer dev stop\n```');
    expect(doc).toContain('deployer dev stop --limit <LIMIT> [FLAGS]');
    expect(doc).toContain('| `--limit <LIMIT>` | At most \\| this many. Required. | `10` |');
    expect(doc.match(/--json/g)).toHaveLength(1);
  });
});

describe('command help', () => {
  it('shows at least one example for every command', () => {
    const withoutExamples = manifestCommands().filter((command) => !command.examples?.length);
    expect(withoutExamples.map((command) => command.id)).toEqual([]);
  });
});
