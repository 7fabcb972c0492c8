// The ports the activities run over: what the worker wires in production (worker/ports.ts) and what
// tests replace with fakes. Each group of activities asks only for the ports it uses.
import type { PulumiFn } from '@pulumi/pulumi/automation';
import type { DriftStore } from '../src/drift/store';
import type { Notifier } from '../src/notify/notifier';
import type { ComponentStacks } from '../src/pulumi/componentStacks';
import type { ReleaseLog } from '../src/releases/releaseLog';
import type { ComponentDeployment } from '../src/targets/deployment';
import type { Observer } from '../src/targets/observer';
import type { ObservedEnvironment } from '../src/targets/target';
import type { TemporalClientPort } from '../src/temporal/clientPort';
import type { PolicySource } from '../src/trust/reviewedPolicy';

/** Port: the targets' Pulumi programs (local dynamic providers, or @pulumi/aws). */
export interface ProgramCatalogue {
  programFor(deployment: ComponentDeployment): PulumiFn;
}

export interface DeploymentPorts {
  stacks: ComponentStacks;
  programs: ProgramCatalogue;
  releases: ReleaseLog;
  /** The observer of an environment's target (the local runtime, or CloudWatch/ECS/ELB in its region). */
  observe(environment: ObservedEnvironment): Promise<Observer>;
  notifier: Notifier;
}

export interface DriftPorts {
  /** Drift findings (first seen, notified) and ignore rules, with the worker's state. */
  drift: DriftStore;
  /** Temporal itself: the drift Schedule, and whether a deployment runs. */
  temporal: TemporalClientPort;
}

export interface TrustPorts {
  /** The reviewed deployment repo the approval policy comes from. */
  policy: PolicySource;
  releases: ReleaseLog;
  /** The secret the Slack app signs decisions with (undefined: no decision can come from Slack). */
  slackDecisionKey?: string;
  /** Proves a GitHub Actions OIDC token; returns the GitHub login (`actor`) it was issued to. */
  verifyGithubToken?: (token: string) => Promise<{ actor: string }>;
}

export type ActivityPorts = DeploymentPorts & DriftPorts & TrustPorts;
