// Starts and stops a one-validator devnet (`gongxin-devnet`) for the browser tests: a fresh
// data directory, its own process group (so the node it spawns goes down with it), the output
// kept in a log file, and a wait for the demo data to be loaded. `stop()` sends SIGTERM to the
// whole group, then SIGKILL after a grace period; `killNow()` is the synchronous last resort
// for an exit handler.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether something already listens on 127.0.0.1:port. */
export function portInUse(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export class Devnet {
  /**
   * @param {{ bin: string, basePort: number, logFile: string }} opts
   */
  constructor({ bin, basePort, logFile }) {
    this.bin = bin;
    this.basePort = basePort;
    this.logFile = logFile;
    this.dir = mkdtempSync(join(tmpdir(), 'gongxin-e2e-'));
    this.url = `http://127.0.0.1:${basePort}`;
    this.child = null;
    this.output = '';
    this.exited = null;
    /** When the demo loader reported its last transaction committed (ms since epoch). */
    this.demoLoadedAt = null;
    this.demoSummary = null;
    this.stopped = false;
  }

  /** Spawns the devnet in a new process group and waits (≤ timeoutMs) for the demo data. */
  async start(timeoutMs) {
    const log = createWriteStream(this.logFile);
    const args = ['--dir', this.dir, '--validators', '1', '--base-port', String(this.basePort)];
    log.write(`$ ${this.bin} ${args.join(' ')}\n`);
    this.child = spawn(this.bin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.startedAt = Date.now();
    const onData = (chunk) => {
      const text = chunk.toString();
      this.output += text;
      log.write(text);
    };
    this.child.stdout.on('data', onData);
    this.child.stderr.on('data', onData);
    this.child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      log.end(`\n[devnet exited: code ${code} signal ${signal}]\n`);
    });

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const loaded = /demo data: (\d+ transactions in [\d.]+ s[^\n]*)/.exec(this.output);
      if (loaded) {
        this.demoLoadedAt = Date.now();
        this.demoSummary = loaded[1];
        return;
      }
      if (/demo data could not be loaded|demo loader failed|ledger not empty/.test(this.output)) {
        throw new Error(`the devnet did not load the demo data:\n${this.tail()}`);
      }
      if (this.exited) throw new Error(`the devnet exited (${JSON.stringify(this.exited)}) before the demo was loaded:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`the demo data was not loaded within ${Math.round(timeoutMs / 1000)} s:\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The last lines of the devnet's output, for error messages. */
  tail(lines = 15) {
    return this.output.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Path of a member's key file, e.g. `keyFile('transport-specialist')`. */
  keyFile(name) {
    const path = join(this.dir, 'keys', `${name}.key`);
    if (!existsSync(path)) {
      const have = existsSync(join(this.dir, 'keys')) ? readdirSync(join(this.dir, 'keys')).join(', ') : '(no keys directory)';
      throw new Error(`no key file ${path}; the devnet wrote: ${have}`);
    }
    return path;
  }

  /** SIGTERM to the devnet's process group, SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000) {
    if (!this.child || this.exited) return;
    const group = -this.child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const deadline = Date.now() + graceMs;
    while (!this.exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // the nodes are in the same group; make sure none outlives the launcher
    try {
      process.kill(group, 'SIGKILL');
    } catch {
      // nothing left
    }
    this.stopped = true;
  }

  /** Synchronous SIGKILL of the whole group (for `process.on('exit')`). */
  killNow() {
    if (!this.child || this.stopped) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // nothing left
    }
  }
}
