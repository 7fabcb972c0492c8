import { ComponentRef, componentId, componentRef, componentRefOfId, parseComponentId, parseRuntimeKey, pulumiStackName, runtimeKey } from '../../src/model/componentRef';

// Each persisted form is read by deployments made before this code: the formats are pinned byte for byte.
describe('component identity', () => {
  const ref: ComponentRef = { stack: 'user-platform', environment: 'development', service: 'notification-service', component: 'api' };
  const refs: ComponentRef[] = [ref, { stack: 's', environment: 'e', service: 'a', component: 'b' }, { stack: 'shop-2', environment: 'prod-eu-1', service: 'cart9', component: 'worker-v2' }];

  it('builds a ref from a loaded component, with its kind', () => {
    expect(componentRef('user-platform', 'development', { service: 'notification-service', name: 'api', kind: 'MicroService' })).toEqual({ ...ref, kind: 'MicroService' });
    expect(componentRef('user-platform', 'development', { service: 'notification-service', name: 'api' })).toEqual(ref);
  });

  describe('component id', () => {
    it('is <service>/<component>', () => {
      expect(componentId(ref)).toBe('notification-service/api');
    });

    it('round-trips', () => {
      for (const each of refs) expect(parseComponentId(componentId(each))).toEqual({ service: each.service, component: each.component });
      for (const each of refs) expect(componentRefOfId(each.stack, each.environment, componentId(each))).toEqual(each);
    });

    it.each([['no separator', 'api'], ['an empty service', '/api'], ['an empty component', 'svc/'], ['three parts', 'a/b/c'], ['the empty string', '']])('is not read from %s', (_why, id) => {
      expect(parseComponentId(id)).toBeUndefined();
      expect(() => componentRefOfId('s', 'e', id)).toThrow('is not a component id');
    });
  });

  describe('Pulumi stack name', () => {
    it('is project <stack>, stack <service>.<component>.<environment>', () => {
      expect(pulumiStackName(ref)).toEqual({ project: 'user-platform', stack: 'notification-service.api.development' });
    });
  });

  describe('runtime key', () => {
    it('joins stack, environment, service and component with dots', () => {
      expect(runtimeKey(ref)).toBe('user-platform.development.notification-service.api');
    });

    it('round-trips every ref whose names the model allows', () => {
      for (const each of refs) expect(parseRuntimeKey(runtimeKey(each))).toEqual(each);
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
      expect(parseRuntimeKey(key)).toBeUndefined();
    });
  });
});
