import type { ComponentKind, ComponentSpec } from '../model/schema';

/** What was deployed of one component, enough to diff against and to roll back to. */
export interface ReleasedComponent {
  id: string;
  kind: ComponentKind;
  spec: ComponentSpec;
  specHash: string;
  configs: { mountPath: string; sha256: string }[];
}

export type ReleaseResult = 'succeeded' | 'failed' | 'rolled_back' | 'cancelled';

/** One deployment of one service in one environment: the durable history entry. */
export interface ReleaseRecord {
  stack: string;
  environment: string;
  service: string;
  version: string;
  commit?: string;
  deployedBy: string;
  startedAt: string;
  finishedAt: string;
  result: ReleaseResult;
  reason?: string;
  components: ReleasedComponent[];
}
