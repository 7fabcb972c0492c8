/** One field of a component that a plan changes, as shown to the reader. */
export interface FieldChange {
  field: string;
  before?: string;
  after?: string;
  /** Said instead of `before → after` when a change is told, not shown (`3 more keys changed`). */
  summary?: string;
}
