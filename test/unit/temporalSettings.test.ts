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

  it('has none from a dev server recorded before it kept one: reads go over gRPC', () => {
    fs.mkdirSync(path.dirname(endpointsFile()), { recursive: true });
    fs.writeFileSync(endpointsFile(), JSON.stringify(defaultEndpoints(7300, 8300)));
    expect(resolveSettings({})).toMatchObject({ address: '127.0.0.1:7300', httpAddress: undefined });
  });
});
