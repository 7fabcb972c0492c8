// Which fields of a local component's Pulumi state a user wrote, and where in the component's spec.
// The local provider records its inputs flat (replicas, image, resources, ...) plus things users never
// wrote: the component key, the kind, the working directory and health timeout taken from the
// environment, the provider's own code (__provider) and the outputs (url, endpoint, port, ...).
// Only the first kind can drift in a way a person should hear about.
import type { ComponentKind, EnvironmentVariable, KindedSpec, MicroServiceSpec } from '../../model/schema';
import { SECRET_NAME } from '../../model/secrets';
import type { DriftedResource, SpecField } from '../driftFields';

/** Fields a user can name per kind (`drift ignore --field`); a prefix covers every field under it. */
export const LOCAL_DRIFT_FIELDS: Record<ComponentKind, string[]> = {
  MicroService: ['image', 'command', 'port', 'replicas', 'cpu', 'memory', 'environment', 'healthCheck', 'configs'],
  RDS: ['engine', 'version', 'database.name', 'database.username', 'status'],
  ElastiCacheRedis: ['engine.version', 'status'],
  SQS: ['type', 'visibilityTimeoutSeconds', 'messageRetentionSeconds', 'deadLetterQueue.enabled', 'deadLetterQueue.maxReceiveCount', 'status'],
};

/**
 * Where the provider field `field` (dotted, as the refresh names it) comes from; undefined when no
 * user wrote it. A local component is one resource, so which one it is says nothing.
 */
export function localSpecField(component: KindedSpec, _resource: DriftedResource, field: string): SpecField | undefined {
  const [head = '', ...rest] = field.split('.');
  switch (component.kind) {
    case 'MicroService':
      return microServiceField(head, rest, component.spec);
    case 'RDS':
      if (rest.length) return undefined;
      if (head === 'engine' || head === 'version') return { field: head, specPath: [head] };
      if (head === 'database') return { field: 'database.name', specPath: ['database', 'name'] };
      if (head === 'username') return { field: 'database.username', specPath: ['database', 'username'] };
      return undefined; // endpoint, port, password: outputs
    case 'ElastiCacheRedis':
      return head === 'version' && !rest.length ? { field: 'engine.version', specPath: ['engine', 'version'] } : undefined;
    case 'SQS':
      if (head === 'fifo' && !rest.length) return { field: 'type', specPath: ['type'], toSpec: (value) => (value === true ? 'fifo' : value === false ? 'standard' : value) };
      if ((head === 'visibilityTimeoutSeconds' || head === 'messageRetentionSeconds') && !rest.length) return { field: head, specPath: [head] };
      if (head === 'deadLetterQueue' && (rest[0] === 'enabled' || rest[0] === 'maxReceiveCount') && rest.length === 1) return { field, specPath: ['deadLetterQueue', rest[0]] };
      return undefined; // url, arn: outputs
  }
}

function microServiceField(head: string, rest: string[], spec: MicroServiceSpec): SpecField | undefined {
  switch (head) {
    case 'image':
    case 'command':
    case 'port':
      return { field: head, specPath: [head] };
    case 'replicas':
      return { field: 'replicas', specPath: ['scaling', 'replicas'] };
    case 'resources':
      return rest[0] === 'cpu' || rest[0] === 'memory' ? { field: rest[0], specPath: ['resources', rest[0]] } : undefined;
    case 'healthCheck':
      return rest.length ? { field: ['healthCheck', ...rest].join('.'), specPath: ['healthCheck', ...rest] } : { field: 'healthCheck', specPath: ['healthCheck'] };
    case 'environment': {
      const name = rest.join('.');
      if (!name) return { field: 'environment', specPath: ['environment'], derived: true };
      return environmentField(name, spec.environment ?? [], false);
    }
    case 'secretEnvironment': {
      // The engine may hand secrets over as an opaque wrapper; without a name, say "a secret variable".
      const name = rest.filter((part) => !/^[0-9a-f]{32}$/.test(part) && part !== 'value' && part !== 'ciphertext').join('.');
      if (!name) return { field: 'environment (secret)', specPath: ['environment'], secret: true, derived: true };
      return environmentField(name, spec.environment ?? [], true);
    }
    case 'configs':
      return { field: 'configs', specPath: ['configs'], derived: true };
    default:
      return undefined; // componentKey, kind, workingDir, healthTimeoutSeconds, url, ...
  }
}

function environmentField(name: string, variables: EnvironmentVariable[], secret: boolean): SpecField {
  const index = variables.findIndex((variable) => variable.name === name);
  const variable = variables[index];
  const isSecret = secret || SECRET_NAME.test(name) || (variable !== undefined && 'secretFrom' in variable);
  if (!variable) return { field: `environment.${name}`, specPath: ['environment'], secret: isSecret, derived: true };
  if ('value' in variable) return { field: `environment.${name}`, specPath: ['environment', index, 'value'], secret: isSecret };
  return { field: `environment.${name}`, specPath: ['environment', index], secret: isSecret, derived: true };
}
