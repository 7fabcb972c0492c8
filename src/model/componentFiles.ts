// Which file declares each component kind, and the outputs other components may reference. Kept
// apart from the schemas (src/model/schema.ts adds a spec schema to each kind) so commands that only
// find things in the repo, such as `history`, load no validation code at start-up.

export const COMPONENT_FILES = {
  MicroService: { files: ['microservice.yaml', 'infra.yaml'], outputs: ['url'] },
  RDS: { files: ['rds.yaml'], outputs: ['endpoint', 'port', 'database', 'username', 'password'] },
  ElastiCacheRedis: { files: ['elasticache.yaml'], outputs: ['endpoint', 'port', 'authToken'] },
  SQS: { files: ['sqs.yaml'], outputs: ['url', 'arn'] },
} as const;

export type KindWithFiles = keyof typeof COMPONENT_FILES;

/** A component's kind by the file that declares it (microservice.yaml, rds.yaml, ...) in its directory. */
export function kindDeclaredIn(fileExists: (file: string) => boolean): KindWithFiles | undefined {
  return (Object.keys(COMPONENT_FILES) as KindWithFiles[]).find((kind) => fileExists(COMPONENT_FILES[kind].files[0]));
}
