// The local runtime's HTTP contract, shared by the runtime, its dynamic providers and its clients.

export interface HealthCheckSettings {
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  gracePeriodSeconds: number;
}

export interface MicroServiceDesired {
  kind: 'MicroService';
  image: string;
  /** argv the environment's `local.images.<repository>` entry gives for this image. */
  command: string[];
  workingDir: string;
  /** The container port on aws; locally the load balancer's (when free), and each replica listens where PORT says. */
  port: number;
  environment: Record<string, string>;
  /** Resolved secrets: stored only with the runtime's state, never logged or reported back. */
  secretEnvironment: Record<string, string>;
  /** `path` is the file's mountPath relative to /config: where it goes under the replica's $CONFIG_DIR. */
  configs: { path: string; content: string }[];
  replicas: number;
  resources: { cpu: number; memory: number };
  healthCheck: HealthCheckSettings;
  /** How long a rollout waits for new replicas to pass their health checks. */
  healthTimeoutSeconds: number;
}

export interface PostgresDesired {
  kind: 'RDS';
  engine: string;
  version: string;
  database: string;
  username: string;
}

export interface RedisDesired {
  kind: 'ElastiCacheRedis';
  version: string;
}

export interface QueueDesired {
  kind: 'SQS';
  fifo: boolean;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  deadLetterQueue: { enabled: boolean; maxReceiveCount: number };
}

export type DesiredComponent = MicroServiceDesired | PostgresDesired | RedisDesired | QueueDesired;
export type LocalKind = DesiredComponent['kind'];

/** What runs now, in the shape of the desired state, so a dynamic provider's `read` can compare. */
export interface ComponentState {
  kind: LocalKind;
  /** The desired state as the runtime holds it now: changed by `apply`, and by `local scale`. */
  actual: Record<string, unknown>;
  outputs: Record<string, string>;
  /** Output names whose values are secret. */
  secretOutputs: string[];
  status: ComponentStatus;
}

export interface ComponentStatus {
  /** `running`: serving as desired; `degraded`: fewer healthy replicas than desired; `stopped`: nothing runs. */
  state: 'running' | 'degraded' | 'updating' | 'stopped';
  desiredReplicas?: number;
  healthyReplicas?: number;
  version?: string;
  url?: string;
}

export interface ReplicaHealth {
  replica: string;
  version: string;
  pid?: number;
  port: number;
  state: ReplicaState;
  startedAt: string;
  restarts: number;
  /** Most recent health-check results, newest last. */
  checks: HealthCheckResult[];
}

export type ReplicaState = 'starting' | 'healthy' | 'unhealthy' | 'stopping' | 'exited';

export interface HealthCheckResult {
  at: string;
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface ComponentHealth {
  kind: LocalKind;
  healthy: boolean;
  summary: string;
  replicas: ReplicaHealth[];
  /** Unhealthy for good: waiting cannot help (ECS rolled the release back), so the health gate fails at once. */
  final?: boolean;
}

export interface LogLine {
  at: string;
  /** Replica id, or the backing process (`postgres`, `redis`) for data components. */
  source: string;
  stream: 'stdout' | 'stderr';
  message: string;
}

export type RuntimeEventType = 'started' | 'healthy' | 'unhealthy' | 'exited' | 'restarted' | 'scaled' | 'rollout' | 'stopped' | 'created' | 'deleted';

export interface RuntimeEvent {
  at: string;
  type: RuntimeEventType;
  replica?: string;
  message: string;
}

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Two decimals: what metrics show. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Request figures from a count and its failures; an idle component has a 100 % success rate. */
export function requestFigures(total: number, errors: number): ComponentMetrics['requests'] {
  return {
    total,
    success: total - errors,
    errors,
    successRatePercent: total ? round2(((total - errors) / total) * 100) : 100,
    errorRatePercent: total ? round2((errors / total) * 100) : 0,
  };
}

export interface ComponentMetrics {
  since: string;
  until: string;
  requests: { total: number; success: number; errors: number; successRatePercent: number; errorRatePercent: number };
  latencyMs: LatencySummary;
  /** Why the latency percentiles could not be read (they are then 0); max and the other figures still hold. */
  latencyUnavailable?: string;
  /** Per replica, as percent of the component's cpu / memory reservation (ECS's convention). */
  resources: { cpuPercent: { avg: number; max: number }; memoryPercent: { avg: number; max: number } };
  replicas: { current: number; desired: number; healthy: number };
}

/** Where `exec` runs a command: the replica's environment and working directory. */
export interface ExecTarget {
  replica: string;
  workingDir: string;
  environment: Record<string, string>;
}

export interface LogQuery {
  since?: string;
  /** CloudWatch-style filter pattern: every term must appear ("quoted phrases" stay whole). */
  filter?: string;
  /** Case-insensitive text search. */
  search?: string;
  limit?: number;
}
