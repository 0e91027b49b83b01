import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createLogger,
  Daemon,
  type DaemonOptions,
  type LogRecord,
  type RegistrationPolicy,
} from '@cp/daemon';

/** Fast retries and polls, so flows finish in well under a second per step. */
export const FAST_POLICY: RegistrationPolicy = {
  backoff: { baseMs: 20, maxMs: 200 },
  maxAttempts: 50,
  pollMs: { initial: 20, max: 100 },
  followTimeoutMs: 20_000,
};

/** An api listening on a free loopback port, as a daemon reaches it. */
export interface ListeningApi {
  url: URL;
  close(): Promise<void>;
}

/** Serves `app` (a real api, possibly behind a recorder) over HTTP on a free port. */
export async function listen(app: RequestListener): Promise<ListeningApi> {
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * A simulated host: a temporary directory of small shell scripts used as the daemon's whole
 * PATH, and a state directory. Nothing outside it is on PATH, so no real CLI interferes.
 */
export interface DaemonHost {
  binDir: string;
  stateDir: string;
  /** Writes an executable `#!/bin/sh` script named `name` printing `versionLine`. */
  addCli(name: string, versionLine: string): Promise<string>;
  /** Writes a file that is not executable. */
  addPlainFile(name: string): Promise<string>;
  /** Every log record of the daemons built here. */
  records: LogRecord[];
  events(): string[];
  daemon(
    over: Partial<DaemonOptions> & Pick<DaemonOptions, 'server' | 'token' | 'workspaceId'>,
  ): Daemon;
  remove(): Promise<void>;
}

/** Creates a {@link DaemonHost} in a fresh temporary directory. */
export async function createDaemonHost(): Promise<DaemonHost> {
  const root = await mkdtemp(path.join(tmpdir(), 'cp-daemon-'));
  const binDir = path.join(root, 'bin');
  const stateDir = path.join(root, 'state');
  await mkdir(binDir);
  const records: LogRecord[] = [];
  const daemons: Daemon[] = [];
  return {
    binDir,
    stateDir,
    records,
    events: () => records.map((r) => r.event),
    async addCli(name, versionLine) {
      const file = path.join(binDir, name);
      await writeFile(file, `#!/bin/sh\necho "${versionLine}"\n`);
      await chmod(file, 0o755);
      return file;
    },
    async addPlainFile(name) {
      const file = path.join(binDir, name);
      await writeFile(file, '#!/bin/sh\necho "9.9.9"\n');
      await chmod(file, 0o644);
      return file;
    },
    daemon(over) {
      const daemon = new Daemon({
        deviceName: 'flowhost',
        stateDir,
        lookPathEnv: { path: binDir, cwd: root },
        log: createLogger((r) => records.push(r), 'debug'),
        policy: FAST_POLICY,
        heartbeatIntervalMs: 50,
        profileSyncIntervalMs: 60_000,
        ...over,
      });
      daemons.push(daemon);
      return daemon;
    },
    async remove() {
      for (const daemon of daemons) {
        daemon.close();
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
