import path from 'node:path';
import { stateDir } from '../../paths';

/** Where the running local runtime says it listens: `{ url, pid }`. */
export function runtimeEndpointFile(): string {
  return path.join(stateDir(), 'local', 'runtime.json');
}
