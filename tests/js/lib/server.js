'use strict';
// Starts a Sluice server for a test file and stops it again.
//
// The binary comes from SLUICE_BINARY, else ../../build/sluice relative to
// this folder. Each server gets a fresh data directory and a free port (the
// server picks one with --port 0 and prints it on its "listening" line).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Servers still running when the test process exits (a crashed test file)
// are killed rather than left behind.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const DEFAULT_BINARY = path.resolve(__dirname, '..', '..', '..', 'build', 'sluice');
const START_TIMEOUT_MS = 15000;
const STOP_TIMEOUT_MS = 15000;

function binaryPath() {
  const p = process.env.SLUICE_BINARY || DEFAULT_BINARY;
  if (!fs.existsSync(p)) {
    throw new Error(`sluice binary not found at ${p}: build it first or set SLUICE_BINARY`);
  }
  return p;
}

// Starts the server. Options:
//   credentials: array of [accessKey, secret, accountId] rows; enables strict SigV4.
//   args: extra command-line arguments.
// Resolves to { port, host, endpoint, dataDir, stop(), output() }.
async function startServer(options = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-js-'));
  const args = ['serve', '--port', '0', '--data-dir', path.join(dataDir, 'data'),
    '--log-level', 'warn'];
  if (options.credentials) {
    const file = path.join(dataDir, 'credentials');
    fs.writeFileSync(file, options.credentials.map((row) => row.join(' ')).join('\n') + '\n');
    args.push('--credentials', file);
  }
  if (options.args) args.push(...options.args);

  const child = spawn(binaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  child.stdout.setEncoding('utf8');

  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice did not report listening within ${START_TIMEOUT_MS} ms\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /sluice: listening on (\S+):(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[2]));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`sluice exited early (code ${code}, signal ${signal})\n${stderr}`));
    });
  });

  let stopping = null;
  const server = {
    port,
    host: '127.0.0.1',
    endpoint: `http://127.0.0.1:${port}`,
    dataDir,
    output: () => ({ stdout, stderr }),
    // Sends SIGTERM and resolves to the exit code (null if killed by a signal).
    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        child.kill('SIGTERM');
        let timer;
        const result = await Promise.race([
          exited,
          new Promise((resolve) => {
            timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
          }),
        ]);
        clearTimeout(timer);
        if (result === null) {
          child.kill('SIGKILL');
          await exited;
          fs.rmSync(dataDir, { recursive: true, force: true });
          throw new Error(`sluice did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM\n${stderr}`);
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
        return result.code;
      })();
      return stopping;
    },
  };
  return server;
}

module.exports = { startServer };
