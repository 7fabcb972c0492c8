import { componentKey, parseComponentKey } from '../../src/targets/local/api';
import type { ComponentRef } from '../../src/targets/deployment';

describe('componentKey / parseComponentKey', () => {
  const ref: ComponentRef = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };

  it('joins stack, environment, service and component with dots', () => {
    expect(componentKey(ref)).toBe('user-platform.development.notification-service.api');
  });

  it('round-trips every ref whose names the model allows', () => {
    const refs: ComponentRef[] = [
      ref,
      { stack: 's', environment: 'e', service: 'a', component: 'b' },
      { stack: 'shop-2', environment: 'prod-eu-1', service: 'cart9', component: 'worker-v2' },
    ];
    for (const each of refs) expect(parseComponentKey(componentKey(each))).toEqual(each);
  });

  it.each([
    ['too few parts', 'user-platform.development.api'],
    ['too many parts', 'user-platform.development.notification-service.api.extra'],
    ['an empty part', 'user-platform..notification-service.api'],
    ['upper case', 'user-platform.Development.notification-service.api'],
    ['a leading digit', 'user-platform.development.1service.api'],
    ['a leading dash', 'user-platform.development.-service.api'],
    ['a path separator', 'user-platform.development.notification-service.api/../../etc'],
    ['an underscore', 'user_platform.development.notification-service.api'],
    ['the empty string', ''],
  ])('rejects a key with %s', (_why, key) => {
    expect(parseComponentKey(key)).toBeUndefined();
  });
});
