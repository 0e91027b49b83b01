/** What the daemon and the simulator read from the environment. */
export interface DaemonEnv {
  /** PATH, where commands are looked up. */
  path: string;
  /** Defaults for `--server`, `--token`, `--workspace`, `--state-dir`. */
  server?: string;
  token?: string;
  workspaceId?: string;
  stateDir?: string;
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/**
 * Reads the environment once. `DAEMON_TOKEN` keeps the token out of the process list, where a
 * `--token` argument is visible to every user of the host.
 */
export function loadDaemonEnv(env: NodeJS.ProcessEnv = process.env): DaemonEnv {
  return {
    path: env.PATH ?? '',
    server: nonEmpty(env.DAEMON_SERVER),
    token: nonEmpty(env.DAEMON_TOKEN),
    workspaceId: nonEmpty(env.DAEMON_WORKSPACE_ID),
    stateDir: nonEmpty(env.DAEMON_STATE_DIR),
  };
}
