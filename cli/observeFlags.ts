import { Flags } from '@oclif/core';
import { repoFlags } from './repoFlags';

/** Flags of the commands that look at one component (logs, metrics, health, show, exec). */
export const componentFlags = {
  repo: repoFlags.repo,
  component: Flags.string({ description: 'The component, as <service>/<component> (e.g. notification-service/api).', required: true }),
  environment: Flags.string({ char: 'e', description: 'Environment it runs in.', required: true }),
  stack: Flags.string({ description: 'Stack of the service (default: the only stack that has it).' }),
};

/** Flags of the commands that look at one service (test, history). */
export const serviceFlags = {
  repo: repoFlags.repo,
  service: Flags.string({ char: 's', description: 'The service (e.g. notification-service).', required: true }),
  environment: Flags.string({ char: 'e', description: 'Environment.', required: true }),
  stack: Flags.string({ description: 'Stack of the service (default: the only stack that has it).' }),
};
