// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: Node builtins there would either fail at
// bundle time or, worse, make replays diverge. Ban them at lint time, with and without `node:`.
const nodeBuiltins = builtinModules.flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.deployer/**', 'coverage/**', 'examples/**/app/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    // Type-aware: the promise rules need the types. The project service reads tsconfig.json, which
    // covers every TypeScript file of the repo.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its failure (an unhandled rejection kills the worker, or a
      // step silently never happens): await it, return it, or `void` it with a comment saying why.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async function where a void callback is expected (event handlers, forEach, setTimeout)
      // has nobody to receive its rejection.
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', 'bench/**/*.js', 'test/chaos/**/*.js', 'test/sequencer.js', 'examples/**/*.js', '*.config.js', '*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', __filename: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Pulumi serializes dynamic providers into state and runs them in a plugin process, so their
    // modules must be required inside the provider methods.
    files: ['test/fixtures/**/*.ts', 'src/targets/local/providers.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts', 'test/support/componentStack/workflows.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node builtins (move this into an activity).' })),
          patterns: [
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Import activities only as `import type` in workflows.' },
          ],
        },
      ],
    },
  },
);
