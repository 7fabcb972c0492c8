'use strict';
// Example service that examples/deployment-repo deploys on the local target (as notification-api and
// user-api). Plain Node 20, built-in modules only, so the local runtime can start it with
// `node server.js` and no install step.
//
// Environment (set by the local runtime): PORT (listens on 127.0.0.1, default 8080), VERSION (the
// image tag), CONFIG_DIR (the component's config files), and the component's own variables from
// microservice.yaml (LOG_LEVEL, DATABASE_HOST, DATABASE_PASSWORD, CACHE_HOST, ...). Optional
// SLOW_MS delays every /notifications response by that many milliseconds.
//
// Endpoints: GET /health, GET /version, GET /config, GET /notifications, POST /notifications.
//
// Deliberate misbehaviour, chosen by the VERSION tag (case-insensitive; several may combine), so
// that failed rollouts and rollbacks can be demonstrated:
//   *unhealthy*  listens normally, but GET /health always answers 503 {status: "failing", reason}.
//   *errors*     healthy, but every 3rd /notifications request (the 3rd, 6th, 9th, ...) answers
//                500: a 33% error rate under any load, while the first two requests (the service's
//                smoke test) still pass.
//   *crash*      exits with code 3 one second after starting.
//
// Logs go to stdout, one `<LEVEL> <message>` line per event; the runtime adds timestamps.
// DATABASE_PASSWORD is never written to logs or responses.

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const NAME = 'notification-api';
const HOST = '127.0.0.1';
const PORT = Number(process.env.PORT || 8080);
const VERSION = process.env.VERSION || 'dev';
const CONFIG_DIR = process.env.CONFIG_DIR;
const SLOW_MS = Math.max(0, Number(process.env.SLOW_MS) || 0);
// The runtime waits about a second after SIGTERM; leave room to exit before it gives up on us.
const SHUTDOWN_GRACE_MS = 800;
const MAX_BODY_BYTES = 64 * 1024;

const tag = VERSION.toLowerCase();
const UNHEALTHY = tag.includes('unhealthy');
const ERRORS = tag.includes('errors');
const CRASH = tag.includes('crash');

// Only variables this app knows about are shown by /config: dumping process.env would expose
// whatever else the runtime's environment happens to hold.
const KNOWN_VARIABLES = ['PORT', 'VERSION', 'CONFIG_DIR', 'LOG_LEVEL', 'SLOW_MS', 'DATABASE_HOST', 'DATABASE_PASSWORD', 'CACHE_HOST', 'CACHE_PORT', 'CACHE_AUTH_TOKEN', 'CACHE_ENABLED', 'QUEUE_URL', 'USER_SERVICE_URL'];
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;
const SECRETS = KNOWN_VARIABLES.filter((name) => SECRET_NAME.test(name) && process.env[name]).map((name) => process.env[name]);

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 };
const requestedLevel = (process.env.LOG_LEVEL || 'info').toLowerCase();
const threshold = LEVELS[requestedLevel] ?? LEVELS.info;

// Every line and every response body goes through here, so a secret cannot leak even when it
// turns up somewhere unexpected (a connection string, a request body echoed back).
function redact(text) {
  return SECRETS.reduce((out, secret) => out.split(secret).join('***'), text);
}

function log(level, message) {
  if (LEVELS[level] < threshold) return;
  process.stdout.write(`${level.toUpperCase()} ${redact(message)}\n`);
}

// Enough YAML for config files made of `key: value` lines nested by indentation; returns the
// dotted paths of the leaf keys. The insides of lists and block scalars (`key: |`) are not looked
// into: their parent key counts as one setting.
function yamlKeys(text) {
  const stack = []; // enclosing entries: { indent, key } for mappings, { indent, opaque: true } for the rest
  const paths = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed === '---') continue;
    const indent = line.length - line.trimStart().length;
    while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    if (stack.some((entry) => entry.opaque)) continue;
    if (trimmed === '-' || trimmed.startsWith('- ')) {
      stack.push({ indent, opaque: true });
      continue;
    }
    const match = /^(["']?)([^:"']+)\1:(?:\s+(.*))?$/.exec(trimmed);
    if (!match) continue;
    const key = match[2].trim();
    const value = match[3];
    paths.push([...stack.map((entry) => entry.key), key].join('.'));
    if (!value) stack.push({ indent, key });
    else if (/^[|>]/.test(value)) stack.push({ indent, opaque: true });
  }
  // A key with children is a mapping, not a setting of its own.
  return paths.filter((key) => !paths.some((other) => other.startsWith(`${key}.`)));
}

function loadConfig() {
  const files = {};
  if (!CONFIG_DIR) {
    log('warn', 'CONFIG_DIR is not set; running without config files');
    return files;
  }
  let names;
  try {
    names = fs.readdirSync(CONFIG_DIR).sort();
  } catch (err) {
    log('warn', `cannot read CONFIG_DIR ${CONFIG_DIR}: ${err.code || err.message}; running without config files`);
    return files;
  }
  for (const name of names) {
    const file = path.join(CONFIG_DIR, name);
    let text;
    try {
      if (!fs.statSync(file).isFile()) continue;
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      log('warn', `cannot read config ${name}: ${err.code || err.message}`);
      continue;
    }
    if (/\.ya?ml$/i.test(name)) {
      const keys = yamlKeys(text);
      files[name] = { keys };
      log('info', `loaded config ${name} (${keys.length} keys)`);
      log('debug', `config ${name}: ${keys.join(', ')}`);
    } else {
      files[name] = { bytes: Buffer.byteLength(text) };
      log('info', `loaded config ${name} (${files[name].bytes} bytes)`);
    }
  }
  if (names.length === 0) log('warn', `CONFIG_DIR ${CONFIG_DIR} is empty`);
  return files;
}

const config = loadConfig();
const startedAt = Date.now();

const notifications = [
  { id: 1, recipient: 'alice@company.com', channel: 'email', subject: 'Welcome aboard', status: 'sent' },
  { id: 2, recipient: 'bob@company.com', channel: 'email', subject: 'Your weekly summary', status: 'sent' },
  { id: 3, recipient: 'carol@company.com', channel: 'email', subject: 'Password changed', status: 'sent' },
].map((n) => ({ ...n, createdAt: new Date(startedAt).toISOString() }));
let notificationRequests = 0;

function sendJson(res, status, body) {
  const text = redact(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function readJsonBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(Object.assign(new Error('request body is not valid JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function health(res) {
  if (UNHEALTHY) {
    const reason = `version ${VERSION} is built to fail its health check`;
    log('error', `health check failing: ${reason}`);
    return sendJson(res, 503, { status: 'failing', version: VERSION, reason });
  }
  sendJson(res, 200, { status: 'ok', version: VERSION, uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000) });
}

function configView(res) {
  const environment = {};
  for (const name of KNOWN_VARIABLES) {
    if (process.env[name] === undefined) continue;
    environment[name] = SECRET_NAME.test(name) ? '***' : process.env[name];
  }
  sendJson(res, 200, { version: VERSION, configDir: CONFIG_DIR || null, files: config, environment });
}

async function notificationsRoute(req, res) {
  notificationRequests += 1;
  if (SLOW_MS) await delay(SLOW_MS);
  if (ERRORS && notificationRequests % 3 === 0) {
    log('error', `${req.method} /notifications failed: simulated overload`);
    return sendJson(res, 500, { error: 'simulated overload' });
  }
  if (req.method === 'GET') return sendJson(res, 200, notifications);

  const body = await readJsonBody(req);
  if (typeof body.recipient !== 'string' || !body.recipient.trim()) {
    return sendJson(res, 400, { error: 'recipient (string) is required' });
  }
  const notification = {
    id: notifications.length + 1,
    recipient: body.recipient.trim(),
    channel: 'email',
    subject: typeof body.subject === 'string' ? body.subject : '(no subject)',
    status: 'sent',
    createdAt: new Date().toISOString(),
  };
  notifications.push(notification);
  log('info', `email sent to ${notification.recipient}`);
  sendJson(res, 201, notification);
}

const routes = {
  '/health': { GET: (req, res) => health(res) },
  '/version': { GET: (req, res) => sendJson(res, 200, { version: VERSION }) },
  '/config': { GET: (req, res) => configView(res) },
  '/notifications': { GET: notificationsRoute, POST: notificationsRoute },
};

let shuttingDown = false;

const server = http.createServer(async (req, res) => {
  const started = process.hrtime.bigint();
  const pathname = new URL(req.url, 'http://localhost').pathname;
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log('info', `${req.method} ${pathname} ${res.statusCode} ${ms.toFixed(1)}ms`);
  });
  // Keep-alive clients would otherwise keep reusing a connection that is about to go away.
  if (shuttingDown) res.setHeader('Connection', 'close');

  const route = routes[pathname];
  const handler = route && route[req.method];
  try {
    if (!route) return sendJson(res, 404, { error: `no route for ${pathname}` });
    if (!handler) {
      res.setHeader('Allow', Object.keys(route).join(', '));
      return sendJson(res, 405, { error: `${req.method} not allowed on ${pathname}` });
    }
    await handler(req, res);
  } catch (err) {
    const status = err.status || 500;
    if (status >= 500) log('error', `${req.method} ${pathname} failed: ${err.message}`);
    if (!res.headersSent) sendJson(res, status, { error: err.message });
  }
});

server.on('error', (err) => {
  log('error', `cannot listen on ${HOST}:${PORT}: ${err.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  log('info', `${NAME} ${VERSION} listening on ${HOST}:${PORT}`);
  if (!(requestedLevel in LEVELS)) log('warn', `unknown LOG_LEVEL "${process.env.LOG_LEVEL}"; using info`);
  if (UNHEALTHY) log('warn', `version ${VERSION} simulates a failing health check`);
  if (ERRORS) log('warn', `version ${VERSION} simulates errors on every 3rd /notifications request`);
  if (SLOW_MS) log('warn', `SLOW_MS=${SLOW_MS}: /notifications responses are delayed`);
  if (CRASH) log('warn', `version ${VERSION} simulates a crash 1s after start`);
});

const crashTimer = CRASH
  ? setTimeout(() => {
      log('error', `simulated crash of ${VERSION}: exiting with code 3`);
      process.exit(3);
    }, 1000)
  : undefined;

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  clearTimeout(crashTimer);
  log('info', `${signal} received; finishing in-flight requests`);
  server.close(() => {
    log('info', 'stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  // A slow request (SLOW_MS) must not hold up the stop: cut it off and still exit cleanly.
  setTimeout(() => {
    log('warn', `requests still in flight after ${SHUTDOWN_GRACE_MS}ms; closing them`);
    server.closeAllConnections();
    process.exit(0);
  }, SHUTDOWN_GRACE_MS).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
