import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveSettings } from '../../cli/temporalClient';
import { defaultEndpoints, endpointsFile } from '../../src/devenv/endpoints';

// Release reads go over the HTTP API of the server the gRPC address names, never another's.
describe('where the CLI finds Temporal\'s HTTP API', () => {
  const saved = { home: process.env.DEPLOYER_HOME, config: process.env.DEPLOYER_CONFIG };
  let home: string;
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'deployer-settings-'));
    process.env.DEPLOYER_HOME = home;
    process.env.DEPLOYER_CONFIG = path.join(home, 'config.json');
  });
  afterEach(() => {
    for (const [name, value] of [['DEPLOYER_HOME', saved.home], ['DEPLOYER_CONFIG', saved.config]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(home, { recursive: true, force: true });
  });
  const recordDevServer = () => {
    fs.mkdirSync(path.dirname(endpointsFile()), { recursive: true });
    fs.writeFileSync(endpointsFile(), JSON.stringify(defaultEndpoints(7300, 8300, 7310)));
  };

  it('takes the dev server\'s, recorded by `dev start`, with its gRPC address', () => {
    recordDevServer();
    expect(resolveSettings({})).toMatchObject({ address: '127.0.0.1:7300', httpAddress: '127.0.0.1:7310' });
  });

  it('gives a server named by flag none of the dev server\'s, unless its own is named too', () => {
    recordDevServer();
    expect(resolveSettings({ 'temporal-address': 'temporal.internal:7233' }).httpAddress).toBeUndefined();
    expect(resolveSettings({ 'temporal-address': 'temporal.internal:7233', 'temporal-http-address': 'temporal.internal:7243' }).httpAddress).toBe('temporal.internal:7243');
  });

  it('takes the config file\'s with the config file\'s address', () => {
    recordDevServer();
    fs.writeFileSync(process.env.DEPLOYER_CONFIG!, JSON.stringify({ temporal: { address: 'temporal.internal:7233' } }));
    expect(resolveSettings({}).httpAddress).toBeUndefined();
    fs.writeFileSync(process.env.DEPLOYER_CONFIG!, JSON.stringify({ temporal: { address: 'temporal.internal:7233', httpAddress: 'temporal.internal:7243' } }));
    expect(resolveSettings({})).toMatchObject({ address: 'temporal.internal:7233', httpAddress: 'temporal.internal:7243' });
  });

  it('assumes the dev server\'s convention (gRPC port + 10) for a server on this machine whose HTTP API nobody told', () => {
    // An empty home: the dev server on its usual ports.
    expect(resolveSettings({})).toMatchObject({ address: '127.0.0.1:7233', httpAddress: '127.0.0.1:7243', httpAddressAssumed: true });
    expect(resolveSettings({ 'temporal-address': 'localhost:7300' })).toMatchObject({ httpAddress: 'localhost:7310', httpAddressAssumed: true });
    expect(resolveSettings({ 'temporal-address': '[::1]:7300' })).toMatchObject({ httpAddress: '[::1]:7310', httpAddressAssumed: true });
    // Recorded by a dev server from before it kept one.
    fs.mkdirSync(path.dirname(endpointsFile()), { recursive: true });
    fs.writeFileSync(endpointsFile(), JSON.stringify(defaultEndpoints(7300, 8300)));
    expect(resolveSettings({})).toMatchObject({ address: '127.0.0.1:7300', httpAddress: '127.0.0.1:7310', httpAddressAssumed: true });
  });

  it('assumes nothing of another machine\'s server, or where one is told, or where `none` says gRPC', () => {
    expect(resolveSettings({ 'temporal-address': 'temporal.internal:7233' })).toMatchObject({ httpAddress: undefined });
    expect(resolveSettings({ 'temporal-address': '127.0.0.1:7233', 'temporal-http-address': '127.0.0.1:9000' })).toEqual(expect.objectContaining({ httpAddress: '127.0.0.1:9000' }));
    expect(resolveSettings({ 'temporal-address': '127.0.0.1:7233', 'temporal-http-address': '127.0.0.1:9000' }).httpAddressAssumed).toBeUndefined();
    expect(resolveSettings({ 'temporal-address': '127.0.0.1:7233', 'temporal-http-address': 'none' })).toMatchObject({ httpAddress: undefined });
    expect(resolveSettings({ 'temporal-address': '127.0.0.1:7233', 'temporal-http-address': 'none' }).httpAddressAssumed).toBeUndefined();
  });
});
