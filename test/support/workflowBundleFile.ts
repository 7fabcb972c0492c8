import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// workflows/ bundled once per jest run (a few seconds of CPU each time), by the first project's
// globalSetup that needs it: every worker of the run, in jest or spawned (those `deployer dev start`
// starts too), loads this one file instead of bundling workflows/ itself.

const BUNDLE_ENV = 'DEPLOYER_WORKFLOW_BUNDLE';
/** Names the bundle this run made: a DEPLOYER_WORKFLOW_BUNDLE from the shell may be of older code. */
const MADE_ENV = 'DEPLOYER_TEST_WORKFLOW_BUNDLE_MADE';

/** The run's bundle: the one an earlier globalSetup of this run made, or a new one written under `dir`. */
export async function workflowBundleFile(dir: string): Promise<string> {
  const made = process.env[MADE_ENV];
  if (made && made === process.env[BUNDLE_ENV] && fs.existsSync(made)) return made;
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../../workflows/index.ts'),
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
  });
  const file = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  process.env[BUNDLE_ENV] = process.env[MADE_ENV] = file;
  return file;
}

/** The bundle a globalSetup made, for a worker inside a test file. */
export function runWorkflowBundle(): { codePath: string } {
  const codePath = process.env[BUNDLE_ENV];
  if (!codePath) throw new Error(`${BUNDLE_ENV} is unset: workflow and integration tests run through their jest globalSetup`);
  return { codePath };
}
