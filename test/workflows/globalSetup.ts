import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { workflowBundleFile } from '../support/workflowBundleFile';

// The workflow files' workers load the run's one bundle of workflows/ (made here, or by another
// project's globalSetup before this one); a directory of this project's own holds it.
export default async function globalSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-workflow-tests-'));
  process.env.DEPLOYER_WORKFLOW_TESTS_DIR = dir;
  await workflowBundleFile(dir);
}
