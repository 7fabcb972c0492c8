import path from 'node:path';
import { checkAllowReplace, checkAllowReplaceOf } from '../../cli/allowReplace';
import { loadDesiredStack } from '../../src/model/loadRepo';
import { installRoot } from '../../src/paths';
import { DeployerError } from '../../src/errors';
import { EXIT, exitCodeOf } from '../../cli/exitCodes';

// --allow-replace accepts the loss of a component's data: a typo must be an error, never a silent no-op.
describe('--allow-replace', () => {
  const desired = loadDesiredStack({ root: path.join(installRoot, 'examples', 'deployment-repo'), stack: 'user-platform', environment: 'staging', variables: { VERSION: 'v1.2.0' } });
  const usageError = (run: () => unknown): DeployerError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(DeployerError);
      expect(exitCodeOf(error)).toBe(EXIT.usage);
      return error as DeployerError;
    }
    throw new Error('expected a usage error');
  };

  it('takes data components of the deployment, once each', () => {
    expect(checkAllowReplace(['notification-service/database', 'notification-service/queue', 'notification-service/database'], desired)).toEqual(['notification-service/database', 'notification-service/queue']);
  });

  it('names the mistake, a close match, and the candidates', () => {
    expect(usageError(() => checkAllowReplace(['notification-service/databse'], desired)).message).toBe(
      '--allow-replace notification-service/databse: no RDS, ElastiCacheRedis or SQS component of that name in this deployment. Did you mean "notification-service/database"? ' +
        'Its data components: notification-service/cache, notification-service/database, notification-service/queue, user-service/database.',
    );
    // A MicroService is replaced by every deployment without loss: nothing to accept.
    expect(usageError(() => checkAllowReplace(['notification-service/api'], desired, 'notification-service')).message).toContain('Its data components: notification-service/cache, notification-service/database, notification-service/queue.');
    expect(usageError(() => checkAllowReplace(['database'], desired)).message).toBe('--allow-replace "database" is not <service>/<component> (e.g. notification-service/database)');
  });

  it('for a rollback: the service rolled back', () => {
    expect(checkAllowReplaceOf(['user-service/database'], 'user-service')).toEqual(['user-service/database']);
    expect(usageError(() => checkAllowReplaceOf(['notification-service/database'], 'user-service')).message).toContain('a rollback of user-service replaces only its own components');
  });
});
