import type { ComponentKind } from '../model/schema';
import type { ReleaseRecord } from './releaseRecord';

/** A component of a release as clients list it: which one, not its spec. */
export interface ReleaseEntryComponent {
  id: string;
  name: string;
  kind: ComponentKind;
}

/**
 * A release record as clients show it (history, show, status): who deployed what, when and how it
 * ended, without the specs, config files and settings a rollback needs. Keeps what the worker sends
 * through Temporal for a read small, and secrets' neighbourhood (config files) out of it.
 */
export type ReleaseEntry = Omit<ReleaseRecord, 'components' | 'serviceSpec' | 'environmentSpec' | 'groups' | 'policy'> & {
  components: ReleaseEntryComponent[];
};

export function releaseEntry(record: ReleaseRecord): ReleaseEntry {
  const { components, serviceSpec: _serviceSpec, environmentSpec: _environmentSpec, groups: _groups, policy: _policy, ...rest } = record;
  return { ...rest, components: components.map(({ id, name, kind }) => ({ id, name, kind })) };
}

/** The same release, also when the two came in separate answers (a service's deployments never start and end at the same moments). */
export function sameRelease(a: ReleaseEntry, b: ReleaseEntry): boolean {
  return a.startedAt === b.startedAt && a.finishedAt === b.finishedAt && a.version === b.version && a.result === b.result;
}
