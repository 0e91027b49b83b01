import type { Logger } from 'pino';

/**
 * A start-up failure the operator can fix: printed as one line, no stack trace, exit code 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

/** Hides the password of a connection URL so it can be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

const HOW_TO_START = {
  Postgres:
    "start it (e.g. 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start') or set DATABASE_URL",
  Redis:
    "start it (e.g. 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379') or set REDIS_URL",
} as const;

/** Builds the one-line error for a dependency that cannot be reached at start. */
export function unreachable(
  what: keyof typeof HOW_TO_START,
  url: string,
  cause: unknown,
): StartupError {
  const reason = describeCause(cause);
  return new StartupError(
    `cannot reach ${what} at ${redactUrl(url)} (${reason}); ${HOW_TO_START[what]}`,
  );
}

/**
 * A short reason for an error: a socket error's code (`ECONNREFUSED`), else its message.
 * Duck-typed, because errors from another realm (a test sandbox) fail `instanceof Error`.
 */
export function describeCause(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) {
    return String(cause);
  }
  const { code, message, errors } = cause as {
    code?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (Array.isArray(errors) && errors.length > 0) {
    return describeCause(errors[0]);
  }
  // A socket error's code says it all; a server's SQLSTATE (3D000) needs its message.
  if (typeof code === 'string' && code.startsWith('E')) {
    return code;
  }
  if (typeof message === 'string' && message !== '') {
    return message;
  }
  return typeof code === 'string' ? code : 'unknown error';
}

/** Something `runMain` stops on shutdown. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface RunMainOptions {
  log: Logger;
  shutdownTimeoutMs: number;
}

/**
 * Runs a process: starts it, and on SIGTERM/SIGINT stops it (the returned `stop` is expected to
 * close in reverse start order). A {@link StartupError} or ConfigError prints one line and
 * exits 1; a stop that outlives `shutdownTimeoutMs` exits 1, and so does a second signal (an
 * operator who wants it gone now).
 */
export function runMain(start: () => Promise<Stoppable>, opts: RunMainOptions): void {
  const { log } = opts;
  let running: Stoppable | undefined;
  let stopping = false;

  const shutdown = (signal: string): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal while stopping; exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: opts.shutdownTimeoutMs }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, opts.shutdownTimeoutMs);
    deadline.unref();
    (running ? running.stop() : Promise.resolve()).then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  start().then(
    (started) => {
      running = started;
      if (stopping) {
        void started.stop().finally(() => process.exit(0));
      }
    },
    (err: unknown) => {
      failStartup(log, err);
    },
  );
}

/**
 * Reports a start-up failure and exits 1. The expected kinds (a dependency that cannot be
 * reached, a bad configuration) are one plain line on stderr for the person at the terminal;
 * anything else is logged with its stack.
 */
export function failStartup(log: Logger, err: unknown): never {
  if (err instanceof Error && (err.name === 'StartupError' || err.name === 'ConfigError')) {
    process.stderr.write(`error: ${err.message}\n`);
  } else {
    log.fatal({ err }, 'start-up failed');
  }
  process.exit(1);
}

/** Closes what a start-up opened, newest first. */
export interface Closer {
  /** Records how to close something just opened. */
  add(close: () => unknown): void;
  /**
   * Closes everything recorded, newest first, once: a second call finds nothing left, so a
   * failed start and a later stop may both call it.
   */
  close(): Promise<void>;
}

/**
 * A {@link Closer}: a start-up records each connection as it opens it, and closes them all when
 * a later step fails or the process stops, so a failed start leaves nothing open.
 */
export function createCloser(): Closer {
  const opened: (() => unknown)[] = [];
  return {
    add: (close) => {
      opened.push(close);
    },
    close: async () => {
      for (const close of opened.splice(0).reverse()) {
        await close();
      }
    },
  };
}
