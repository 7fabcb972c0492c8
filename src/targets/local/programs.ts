import fs from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import type { PulumiFn } from '@pulumi/pulumi/automation';
import { runtimeKey } from '../../model/componentRef';
import { durationMs } from '../../model/duration';
import type { MicroServiceSpec } from '../../model/schema';
import { parseImage } from '../../model/specChecks';
import type { ComponentDeployment } from '../deployment';
import { DesiredComponent, MicroServiceDesired, MicroServiceRevisionSpec } from './api';
import { resolveLocalSecret } from './localSecrets';
import { localSecretNotSet } from './secretNotSet';
import { LocalComponent } from './providers';
import { localExports } from './exports';
import { LocalTargetError } from '../../errors';

/** The local target's Pulumi program for one component: one LocalComponent resource and its outputs. */
export function localProgram(deployment: ComponentDeployment): PulumiFn {
  return async () => {
    const desired = localDesiredState(deployment);
    const secretOutputs = desired.kind === 'RDS' ? ['password'] : desired.kind === 'MicroService' ? ['secretEnvironment', 'canarySecretEnvironment'] : [];
    const inputs: pulumi.Inputs = { componentKey: runtimeKey(deployment.ref), ...desired };
    if (desired.kind === 'MicroService') {
      inputs.secretEnvironment = pulumi.secret(desired.secretEnvironment);
      // A canary's secrets travel beside it, top-level, so they are stored as secrets like the
      // stable revision's and never read back (the provider puts them where the runtime wants them).
      if (desired.canary) {
        const { secretEnvironment, ...revision } = desired.canary.revision;
        inputs.canary = { weight: desired.canary.weight, revision };
        inputs.canarySecretEnvironment = pulumi.secret(secretEnvironment);
      }
    }
    const resource = new LocalComponent(deployment.ref.component, inputs, { additionalSecretOutputs: secretOutputs });
    return localExports(desired.kind, (name) => resource[name]);
  };
}


/** What the local runtime should run for a component: its spec, with the environment's local settings applied. */
export function localDesiredState(deployment: ComponentDeployment): DesiredComponent {
  switch (deployment.kind) {
    case 'MicroService': {
      const desired = microServiceDesired(deployment, deployment.spec);
      const stable = deployment.canary?.stable;
      if (!deployment.canary || stable?.kind !== 'MicroService') return desired;
      // The stable revision keeps serving as released; the new one is the canary beside it.
      const { image, command, workingDir, environment, secretEnvironment, configs, healthCheck } = microServiceDesired(stable, stable.spec);
      const canary = { weight: deployment.canary.weight, revision: revisionOf(desired) };
      return { ...desired, image, command, workingDir, environment, secretEnvironment, configs, healthCheck, canary };
    }
    case 'RDS': {
      const { spec } = deployment;
      return { kind: 'RDS', engine: spec.engine, version: spec.version, database: spec.database.name, username: spec.database.username };
    }
    case 'ElastiCacheRedis':
      return { kind: 'ElastiCacheRedis', version: deployment.spec.engine.version };
    case 'SQS': {
      const { spec } = deployment;
      return {
        kind: 'SQS',
        fifo: spec.type === 'fifo',
        visibilityTimeoutSeconds: spec.visibilityTimeoutSeconds,
        messageRetentionSeconds: spec.messageRetentionSeconds,
        deadLetterQueue: spec.deadLetterQueue,
      };
    }
  }
}

function microServiceDesired(deployment: ComponentDeployment, spec: MicroServiceSpec): MicroServiceDesired {
  const { ref } = deployment;
  const repository = parseImage(spec.image)?.repository ?? spec.image;
  const image = deployment.environment.local?.images[repository];
  if (!image) {
    throw new LocalTargetError(
      `${ref.service}/${ref.component}: environment ${ref.environment} runs on the local target but has no local.images entry for "${repository}". ` +
        `Add local.images.${repository} (command and workingDir) to environments/${ref.environment}.yaml.`,
    );
  }
  const workingDir = image.workingDir ?? '.';
  if (!fs.existsSync(workingDir)) {
    throw new LocalTargetError(`${ref.service}/${ref.component}: the working directory of local image "${repository}" (${workingDir}) does not exist on this machine. Fix local.images.${repository}.workingDir in environments/${ref.environment}.yaml (it is relative to environments/).`);
  }
  const environment: Record<string, string> = {};
  const secretEnvironment: Record<string, string> = {};
  for (const variable of spec.environment) {
    if ('value' in variable) {
      environment[variable.name] = variable.value;
    } else if ('valueFrom' in variable) {
      const resolved = deployment.resolved[variable.name];
      if (!resolved) throw new LocalTargetError(`${ref.service}/${ref.component}: ${variable.name} comes from ${variable.valueFrom.component}, which has no output ${variable.valueFrom.output} yet; deploy it first`);
      (resolved.secret ? secretEnvironment : environment)[variable.name] = resolved.value;
    } else {
      // Read at each deployment: a secret set with `deployer dev secrets set` needs no restart.
      const value = resolveLocalSecret(variable.secretFrom.secret);
      if (value === undefined) throw new LocalTargetError(`${ref.service}/${ref.component}: ${localSecretNotSet(variable.secretFrom.secret, variable.name)}`);
      secretEnvironment[variable.name] = value;
    }
  }
  return {
    kind: 'MicroService',
    image: spec.image,
    command: spec.command ?? image.command,
    workingDir,
    port: spec.port,
    environment,
    secretEnvironment,
    // Laid out under $CONFIG_DIR as they are under /config on aws: at their mountPath, not their repo path.
    configs: deployment.configs.map((file) => ({ path: underConfig(file.mountPath), content: file.content })),
    replicas: spec.scaling.replicas,
    resources: spec.resources,
    healthCheck: spec.healthCheck,
    healthTimeoutSeconds: durationMs(deployment.environment.rollout.healthTimeout) / 1000,
  };
}

function revisionOf(desired: MicroServiceDesired): MicroServiceRevisionSpec {
  const { image, command, workingDir, environment, secretEnvironment, configs, healthCheck } = desired;
  return { image, command, workingDir, environment, secretEnvironment, configs, healthCheck };
}

/** A mountPath (validated to lie under /config) relative to /config: where the file goes in $CONFIG_DIR. */
function underConfig(mountPath: string): string {
  const parts: string[] = [];
  for (const part of mountPath.split('/')) {
    if (part === '..') parts.pop();
    else if (part && part !== '.') parts.push(part);
  }
  return parts.slice(1).join('/');
}
