import type { MicroServiceSpec } from './schema';
import { mentionsVariable } from './interpolate';

/** A rule the schema cannot express, found at a path inside the spec. */
export interface SpecProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

// [registry/]repository[:tag][@sha256:digest], registry optionally with a port; lowercase repository.
const IMAGE = /^(?:(?<registry>[a-zA-Z0-9.-]+(?::\d+)?)\/)?(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Repository and tag of an image reference, or undefined when it is not one. */
export function parseImage(image: string): { registry?: string; repository: string; tag?: string; digest?: string } | undefined {
  const match = IMAGE.exec(image);
  if (!match?.groups) return undefined;
  const { registry, repository, tag, digest } = match.groups;
  // A first segment without a dot or port is part of the repository path (docker's rule).
  if (registry && !/[.:]/.test(registry) && registry !== 'localhost') {
    return { repository: `${registry}/${repository}`, tag, digest };
  }
  return { registry, repository: repository!, tag, digest };
}

// Fargate's supported task sizes: cpu units -> allowed memory (MiB).
const FARGATE_MEMORY: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

export function checkMicroService(spec: MicroServiceSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!mentionsVariable(spec.image)) {
    const image = parseImage(spec.image);
    if (!image) {
      problems.push({ path: ['image'], message: `"${spec.image}" is not a valid image reference`, hint: 'Use <repository>:<tag>, e.g. notification-api:v1.2.0 or 123456789012.dkr.ecr.us-east-1.amazonaws.com/notification-api:v1.2.0 (lowercase repository).' });
    } else if (!image.tag && !image.digest) {
      problems.push({ path: ['image'], message: `image "${spec.image}" has no tag`, hint: 'Pin a version, e.g. notification-api:${VERSION}; an untagged image deploys whatever "latest" is at the time.' });
    }
  }
  const memory = FARGATE_MEMORY[spec.resources.cpu];
  if (!memory) {
    problems.push({ path: ['resources', 'cpu'], message: `cpu ${spec.resources.cpu} is not a Fargate size`, hint: `Use one of ${Object.keys(FARGATE_MEMORY).join(', ')} (1024 = 1 vCPU).` });
  } else if (!memory.includes(spec.resources.memory)) {
    problems.push({ path: ['resources', 'memory'], message: `memory ${spec.resources.memory} MiB is not valid with cpu ${spec.resources.cpu} on Fargate`, hint: `With cpu ${spec.resources.cpu} use memory ${describeSizes(memory)}.` });
  }
  const autoscaling = spec.scaling.autoscaling;
  if (autoscaling) {
    if (autoscaling.minReplicas > autoscaling.maxReplicas) {
      problems.push({ path: ['scaling', 'autoscaling', 'minReplicas'], message: `minReplicas (${autoscaling.minReplicas}) is greater than maxReplicas (${autoscaling.maxReplicas})`, hint: 'Lower minReplicas or raise maxReplicas.' });
    } else if (spec.scaling.replicas < autoscaling.minReplicas || spec.scaling.replicas > autoscaling.maxReplicas) {
      problems.push({ path: ['scaling', 'replicas'], message: `replicas (${spec.scaling.replicas}) is outside autoscaling bounds ${autoscaling.minReplicas}-${autoscaling.maxReplicas}`, hint: 'Set replicas between minReplicas and maxReplicas.' });
    }
  }
  const seen = new Map<string, number>();
  spec.environment.forEach((variable, index) => {
    if (seen.has(variable.name)) {
      problems.push({ path: ['environment', index, 'name'], message: `environment variable ${variable.name} is defined twice (also at environment[${seen.get(variable.name)}])`, hint: 'Keep one definition.' });
    }
    seen.set(variable.name, index);
  });
  problems.push(...checkMountPaths(spec));
  return problems;
}

/**
 * Config files mount under /config on both targets (a volume in the task on aws; the replica's
 * $CONFIG_DIR, laid out the same way, on the local target): a mountPath elsewhere, or leaving
 * /config through `..`, cannot be delivered, and two files on one path would hide one another.
 */
function checkMountPaths(spec: MicroServiceSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const seen = new Map<string, number>();
  (spec.configs ?? []).forEach((config, index) => {
    if (config.mountPath === undefined) return;
    const normalized = normalizePosix(config.mountPath);
    if (!normalized.startsWith('/config/') || normalized === '/config/') {
      problems.push({
        path: ['configs', index, 'mountPath'],
        message: `mountPath "${config.mountPath}" is not a file under /config`,
        hint: `Config files are mounted under /config (the app finds the directory in $CONFIG_DIR); use e.g. /config/${config.path.split('/').pop()}.`,
      });
      return;
    }
    const earlier = seen.get(normalized);
    if (earlier !== undefined) {
      problems.push({ path: ['configs', index, 'mountPath'], message: `mountPath ${normalized} is also the mountPath of configs[${earlier}]`, hint: 'Give each config file its own mountPath.' });
    }
    seen.set(normalized, index);
  });
  return problems;
}

/** `/config/a/../b` -> `/config/b` (node:path is not available where plans are checked: in workflows). */
function normalizePosix(value: string): string {
  const parts: string[] = [];
  for (const part of value.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `${value.startsWith('/') ? '/' : ''}${parts.join('/')}${value.endsWith('/') && parts.length ? '/' : ''}`;
}

function describeSizes(sizes: number[]): string {
  return sizes.length <= 4 ? sizes.join(', ') : `${sizes[0]}-${sizes[sizes.length - 1]} in steps of ${sizes[1]! - sizes[0]!}`;
}
