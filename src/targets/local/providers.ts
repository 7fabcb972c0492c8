import * as pulumi from '@pulumi/pulumi';

// The engine serializes these functions into each resource's state and runs them in its dynamic
// provider plugin, possibly long after this module changed: they must be self-contained (builtins
// required inline, no imports of our modules) and find the runtime through DEPLOYER_HOME, which
// the worker sets on every engine run. The runtime's token is read from its file at each call, so it
// never enters inputs, outputs or state (and a restarted runtime's new token is found).

interface RuntimeReply {
  status: number;
  body: { error?: string; outputs?: Record<string, string>; actual?: Record<string, unknown>; status?: { state?: string } };
}

function callRuntime(method: string, key: string, body?: unknown, query = ''): Promise<RuntimeReply> {
  const fs = require('node:fs');
  const http = require('node:http');
  const path = require('node:path');
  const home = process.env.DEPLOYER_HOME;
  const endpointFile = home ? path.join(home, 'local', 'runtime.json') : '';
  const tokenFile = home ? path.join(home, 'local', 'runtime.token') : '';
  if (!home || !fs.existsSync(endpointFile) || !fs.existsSync(tokenFile)) {
    return Promise.reject(new Error('the local runtime is not running (start it with `deployer dev start`)'));
  }
  const { url } = JSON.parse(fs.readFileSync(endpointFile, 'utf8'));
  const token = fs.readFileSync(tokenFile, 'utf8');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/v1/components/${encodeURIComponent(key)}${query}`,
      { method, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (response: import('node:http').IncomingMessage) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
      },
    );
    request.on('error', (error: Error) => reject(new Error(`the local runtime at ${url} did not answer: ${error.message}`)));
    request.end(payload);
  });
}

/** Inputs of a local component: its key plus the runtime's desired state, flattened so drift names fields. */
export type LocalComponentInputs = { componentKey: string; kind: string } & Record<string, unknown>;

async function applyComponent(inputs: LocalComponentInputs): Promise<Record<string, unknown>> {
  // __provider is the engine's copy of this code, not part of what should run.
  const { componentKey: _key, __provider: _provider, canarySecretEnvironment, ...desired } = inputs;
  // A canary's secrets are stored beside it (programs.ts); the runtime takes them inside it.
  const canary = desired.canary as { revision: Record<string, unknown> } | undefined;
  if (canary) desired.canary = { ...canary, revision: { ...canary.revision, secretEnvironment: canarySecretEnvironment ?? {} } };
  const reply = await callRuntime('PUT', inputs.componentKey, desired);
  if (reply.status !== 200) throw new Error(reply.body.error ?? `the local runtime answered ${reply.status}`);
  return { ...inputs, ...reply.body.outputs };
}

/** Exported for the test that holds refreshWithoutEngine (refreshRead.ts) to the same answers. */
export const localComponentProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: LocalComponentInputs) {
    return { id: inputs.componentKey, outs: await applyComponent(inputs) };
  },

  async update(_id: string, _olds: LocalComponentInputs, news: LocalComponentInputs) {
    return { outs: await applyComponent(news) };
  },

  async read(id: string, props: LocalComponentInputs) {
    // Settled: an apply an earlier engine started and abandoned (its plugin died) is waited for, so
    // the state records what it left running and the next update puts the desired state back.
    const reply = await callRuntime('GET', id, undefined, '?settled=true');
    if (reply.status === 404) return { id: '', props: {} };
    if (reply.status !== 200) throw new Error(reply.body.error ?? `the local runtime answered ${reply.status}`);
    // What runs now wins over what was recorded: a replica count changed behind deployer's back shows as drift.
    // A data component whose server is not running is marked, so the next update (a deployment or a
    // drift remediation) starts it again although none of its settings changed.
    // A canary is what runs now: one the runtime no longer has is gone from the state too.
    const { stopped: _stopped, canary: _canary, ...recorded } = props;
    const stopped = props.kind !== 'MicroService' && reply.body.status?.state === 'stopped';
    return { id, props: { ...recorded, ...reply.body.actual, ...reply.body.outputs, ...(stopped ? { stopped: true } : {}) } };
  },

  async delete(id: string) {
    const reply = await callRuntime('DELETE', id);
    if (reply.status !== 200) throw new Error(reply.body.error ?? `the local runtime answered ${reply.status}`);
  },

  // Only the desired fields count: the recorded state also holds outputs (url, ...) that inputs lack.
  async diff(_id: string, olds: LocalComponentInputs, news: LocalComponentInputs) {
    const changed = Object.keys(news).filter((key) => news[key] !== undefined && JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
    // A canary ended (promoted or aborted) is a change even when nothing else changed.
    const canaryEnded = olds.canary !== undefined && news.canary === undefined;
    return { changes: changed.length > 0 || canaryEnded || olds.stopped === true, replaces: olds.kind !== news.kind ? ['kind'] : [] };
  },
};

/** A component the local runtime runs; its outputs are the kind's outputs (url, endpoint, ...). */
export class LocalComponent extends pulumi.dynamic.Resource {
  declare readonly url: pulumi.Output<string>;
  declare readonly arn: pulumi.Output<string>;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly port: pulumi.Output<string>;
  declare readonly database: pulumi.Output<string>;
  declare readonly username: pulumi.Output<string>;
  declare readonly password: pulumi.Output<string>;

  constructor(name: string, inputs: pulumi.Inputs, options?: pulumi.CustomResourceOptions) {
    super(localComponentProvider, name, { url: undefined, arn: undefined, endpoint: undefined, port: undefined, database: undefined, username: undefined, password: undefined, ...inputs }, options);
  }
}
