import fs from 'node:fs';
import { LatencySummary, requestFigures, RevisionFigures, RevisionRole, round2 } from '../api';

interface RequestSample {
  at: number;
  status: number;
  durationMs: number;
  /** Which revision answered: stable, or a canary beside it; none when no replica could. */
  role?: RevisionRole;
}

interface ResourceSample {
  at: number;
  cpuPercent: number;
  memoryPercent: number;
}

// Enough for an hour of a busy local service; older samples fall off the front.
const MAX_REQUEST_SAMPLES = 200_000;
const MAX_RESOURCE_SAMPLES = 20_000;

/** What the proxy saw (requests) and what the replicas used (cpu, memory), kept in memory. */
export class MetricsRecorder {
  private requests: RequestSample[] = [];
  private resources: ResourceSample[] = [];

  recordRequest(status: number, durationMs: number, role?: RevisionRole): void {
    this.requests.push({ at: Date.now(), status, durationMs, role });
    if (this.requests.length > MAX_REQUEST_SAMPLES) this.requests = this.requests.slice(-MAX_REQUEST_SAMPLES / 2);
  }

  recordResources(cpuPercent: number, memoryPercent: number): void {
    this.resources.push({ at: Date.now(), cpuPercent, memoryPercent });
    if (this.resources.length > MAX_RESOURCE_SAMPLES) this.resources = this.resources.slice(-MAX_RESOURCE_SAMPLES / 2);
  }

  requestSummary(sinceMs: number) {
    return summarize(this.requests.filter((sample) => sample.at >= sinceMs));
  }

  /** Each revision's requests side by side, when a canary answered any since `sinceMs`. */
  revisionSummary(sinceMs: number): Record<RevisionRole, RevisionFigures> | undefined {
    const window = this.requests.filter((sample) => sample.at >= sinceMs);
    if (!window.some((sample) => sample.role === 'canary')) return undefined;
    return {
      stable: summarize(window.filter((sample) => sample.role === 'stable')),
      canary: summarize(window.filter((sample) => sample.role === 'canary')),
    };
  }

  resourceSummary(sinceMs: number) {
    const window = this.resources.filter((sample) => sample.at >= sinceMs);
    return {
      cpuPercent: avgMax(window.map((sample) => sample.cpuPercent)),
      memoryPercent: avgMax(window.map((sample) => sample.memoryPercent)),
    };
  }
}

function summarize(window: RequestSample[]): RevisionFigures {
  // Like an ALB's 5xx count: a 4xx is the client's mistake, not the service failing.
  const errors = window.filter((sample) => sample.status >= 500).length;
  return { requests: requestFigures(window.length, errors), latencyMs: latencySummary(window.map((sample) => sample.durationMs)) };
}

export function latencySummary(durations: number[]): LatencySummary {
  if (durations.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = [...durations].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? 0 };
}

function avgMax(values: number[]): { avg: number; max: number } {
  if (values.length === 0) return { avg: 0, max: 0 };
  return { avg: round2(values.reduce((sum, value) => sum + value, 0) / values.length), max: round2(Math.max(...values)) };
}


const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU and memory of one process from /proc, as percent of a reservation (cpu units of 1/1024 vCPU,
 * memory in MiB), which is how ECS reports CPUUtilization and MemoryUtilization.
 */
export class ProcessUsage {
  private last?: { at: number; ticks: number };

  constructor(private readonly pid: number) {}

  sample(reservation: { cpu: number; memory: number }): { cpuPercent: number; memoryPercent: number } | undefined {
    let stat: string;
    let status: string;
    try {
      stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return undefined;
    }
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const now = Date.now();
    const previous = this.last;
    this.last = { at: now, ticks };
    if (!previous || now <= previous.at) return undefined;
    const cpuSeconds = (ticks - previous.ticks) / CLOCK_TICKS_PER_SECOND;
    const vcpus = reservation.cpu / 1024;
    return {
      cpuPercent: round2(((cpuSeconds / ((now - previous.at) / 1000)) / vcpus) * 100),
      memoryPercent: round2((rssKb / 1024 / reservation.memory) * 100),
    };
  }
}
