import { DriftDocuments, DriftStateKey, driftStateOf, ServiceDriftState } from '../../drift/store';
import type { StateDatabase } from './database';

/** Drift state in PostgreSQL: one row per service, updated under a row lock so concurrent updates queue. */
export class PostgresDriftDocuments implements DriftDocuments {
  constructor(private readonly database: StateDatabase) {}

  async read(key: DriftStateKey): Promise<ServiceDriftState> {
    const rows = await this.database.query<{ state: Partial<ServiceDriftState> }>(
      'SELECT state FROM deployer_drift WHERE stack = $1 AND environment = $2 AND service = $3',
      [key.stack, key.environment, key.service],
    );
    return driftStateOf(rows[0]?.state);
  }

  async update(key: DriftStateKey, change: (state: ServiceDriftState) => ServiceDriftState): Promise<ServiceDriftState> {
    const where = [key.stack, key.environment, key.service];
    return this.database.transaction(async (client) => {
      await client.query(`INSERT INTO deployer_drift (stack, environment, service, state) VALUES ($1, $2, $3, '{}') ON CONFLICT DO NOTHING`, where);
      const current = (await client.query<{ state: Partial<ServiceDriftState> }>('SELECT state FROM deployer_drift WHERE stack = $1 AND environment = $2 AND service = $3 FOR UPDATE', where)).rows[0];
      const state = change(driftStateOf(current?.state));
      await client.query('UPDATE deployer_drift SET state = $4, updated_at = now() WHERE stack = $1 AND environment = $2 AND service = $3', [...where, JSON.stringify(state)]);
      return state;
    });
  }
}
