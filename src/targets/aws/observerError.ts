// Apart from the SDK clients, so the CLI can recognise it without loading them.

/**
 * What the aws observer cannot answer, in words a user can act on: the resource is absent
 * (`not-found`), a local tool is missing (`missing-tool`), or the environment lacks a platform
 * reference (`platform`).
 */
export class AwsObserverError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-found' | 'missing-tool' | 'platform',
  ) {
    super(message);
    this.name = 'AwsObserverError';
  }
}
