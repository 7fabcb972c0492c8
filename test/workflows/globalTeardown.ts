import fs from 'node:fs';

export default function globalTeardown(): void {
  const dir = process.env.DEPLOYER_WORKFLOW_TESTS_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
