import { checkForAws } from '../../src/model/awsSpecChecks';
import { COMPONENT_KINDS, RdsSpec } from '../../src/model/schema';

const rds = (spec: object): RdsSpec => COMPONENT_KINDS.RDS.spec.parse({ engine: 'postgres', version: '16.4', instanceClass: 'db.t3.micro', database: { name: 'cart' }, ...spec });
const messages = (spec: RdsSpec) => checkForAws('RDS', spec).map((problem) => problem.message);

describe('AWS limits of an RDS spec', () => {
  it('accepts io1 with at least 100 GiB and 1,000 to 50 IOPS per GiB', () => {
    expect(messages(rds({ storage: { type: 'io1', allocatedGb: 100, iops: 5000 } }))).toEqual([]);
  });

  it('refuses io1 IOPS beyond 50 per GiB, and IOPS on other storage types', () => {
    expect(messages(rds({ storage: { type: 'io1', allocatedGb: 100, iops: 6000 } }))).toEqual(['storage.iops 6000 is outside 1000-5000 for 100 GiB of io1']);
    expect(messages(rds({ storage: { type: 'gp3', iops: 3000 } }))).toEqual(['storage.iops is set but storage.type is gp3']);
  });

  it('allows PostgreSQL usernames up to 63 characters and MySQL ones up to 16', () => {
    const username = 'a'.repeat(17);
    expect(messages(rds({ database: { name: 'cart', username } }))).toEqual([]);
    expect(messages(rds({ engine: 'mysql', version: '8.0.39', database: { name: 'cart', username } }))).toEqual([`database.username "${username}" is 17 characters; RDS mysql allows at most 16`]);
    expect(messages(rds({ database: { name: 'cart', username: 'a'.repeat(64) } }))).toHaveLength(1);
  });
});
