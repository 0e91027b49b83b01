import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { argvForRuntime, launchForRuntime, ResolveError } from './bookkeeping';
import type { DaemonEnv } from './config';
import { Daemon, type Detection, NoRuntimesError } from './daemon';
import { launchArgv } from './argv';
import { createLogger, errorText, formatRecord, LOG_LEVELS, type LogLevel } from './log';
import { DEFAULT_REGISTRATION_POLICY, RegistrationError } from './registration';
import { DaemonState } from './state';

/** Where the CLI writes: the process's streams in `main.ts`, buffers in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** What the CLI needs from outside. */
export interface CliDeps {
  output: CliOutput;
  env: DaemonEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: a running daemon stops. */
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
/** The registration failed, the server is unreachable, a runtime cannot be resolved. */
export const EXIT_FAILURE = 1;
/** Bad arguments. */
export const EXIT_USAGE = 2;

/** The state directory by default: `.daemon-state` in the working directory. */
export const DEFAULT_STATE_DIR = '.daemon-state';

class UsageError extends Error {}

interface ConnectionOptions {
  server?: string;
  token?: string;
  workspace?: string;
  deviceName?: string;
  stateDir?: string;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
}

interface RunOptions extends ConnectionOptions {
  once?: boolean;
  heartbeatInterval?: number;
  syncInterval?: number;
  maxAttempts?: number;
}

const positiveNumber = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) {
    throw new InvalidArgumentError('must be a positive number');
  }
  return parsed;
};

const logLevel = (value: string): LogLevel => {
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) {
    throw new InvalidArgumentError(`must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return level;
};

const logFormat = (value: string): 'text' | 'json' => {
  if (value !== 'text' && value !== 'json') {
    throw new InvalidArgumentError('must be text or json');
  }
  return value;
};

function withConnectionOptions(command: Command, env: DaemonEnv): Command {
  return command
    .option('--server <url>', 'api base URL, e.g. http://127.0.0.1:8080 (env DAEMON_SERVER)')
    .option('--token <token>', 'daemon token mdt_... (env DAEMON_TOKEN)')
    .option('--workspace <id>', 'workspace id (env DAEMON_WORKSPACE_ID)')
    .option('--device-name <name>', 'device name shown with each runtime (default: hostname)')
    .option(
      '--state-dir <dir>',
      `state directory (env DAEMON_STATE_DIR, default ${DEFAULT_STATE_DIR})`,
      env.stateDir,
    )
    .option('--log-level <level>', LOG_LEVELS.join('|'), logLevel, 'info')
    .option('--log-format <format>', 'text|json', logFormat, 'text');
}

/**
 * Builds the commander program: `run`, `profiles`, `resolve`. Parse with
 * `parseAsync(argv, { from: 'user' })`; it throws instead of exiting ({@link runCli} maps what
 * it throws to an exit code).
 */
export function buildProgram(deps: CliDeps): Command {
  const { output, env } = deps;
  const program = new Command('daemon')
    .description('The control-plane daemon: registers agent runtimes, keeps them alive.')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
    });

  const stateDirOf = (opts: { stateDir?: string }): string =>
    path.resolve(deps.cwd, opts.stateDir ?? DEFAULT_STATE_DIR);

  const makeDaemon = (opts: ConnectionOptions, extra: Partial<RunOptions> = {}): Daemon => {
    const server = opts.server ?? env.server;
    const token = opts.token ?? env.token;
    const workspaceId = opts.workspace ?? env.workspaceId;
    const missing = [
      server ? [] : ['--server'],
      token ? [] : ['--token'],
      workspaceId ? [] : ['--workspace'],
    ].flat();
    if (!server || !token || !workspaceId) {
      throw new UsageError(`missing ${missing.join(', ')}`);
    }
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new UsageError(`--server is not a URL: ${server}`);
    }
    const log = createLogger(
      (record) => output.err(`${formatRecord(record, opts.logFormat)}\n`),
      opts.logLevel,
    );
    return new Daemon({
      server: url,
      token,
      workspaceId,
      deviceName: opts.deviceName,
      stateDir: stateDirOf(opts),
      lookPathEnv: { path: env.path, cwd: deps.cwd },
      log,
      policy: {
        ...DEFAULT_REGISTRATION_POLICY,
        maxAttempts: extra.maxAttempts ?? (extra.once ? 10 : Infinity),
      },
      heartbeatIntervalMs: extra.heartbeatInterval && extra.heartbeatInterval * 1000,
      profileSyncIntervalMs: extra.syncInterval && extra.syncInterval * 1000,
    });
  };

  withConnectionOptions(
    program
      .command('run')
      .description(
        'register this host’s runtimes; keep heartbeating and re-register when one is gone',
      ),
    env,
  )
    .option('--once', 'register once and exit')
    .option('--heartbeat-interval <seconds>', 'heartbeat period (default 15)', positiveNumber)
    .option('--sync-interval <seconds>', 'profile refetch period (default 60)', positiveNumber)
    .option(
      '--max-attempts <n>',
      'give up after n failed tries in a row (default 10 with --once, else never)',
      positiveNumber,
    )
    .action(async (opts: RunOptions) => {
      const daemon = makeDaemon(opts, opts);
      try {
        await daemon.run({ once: opts.once, signal: deps.signal });
      } finally {
        daemon.close();
      }
    });

  withConnectionOptions(
    program
      .command('profiles')
      .description('print the runtimes this host would register and how each profile resolved'),
    env,
  )
    .option('--json', 'print one JSON object')
    .action(async (opts: ConnectionOptions & { json?: boolean }) => {
      const daemon = makeDaemon({ ...opts, logLevel: opts.logLevel });
      try {
        const detection = await daemon.detect();
        output.out(
          opts.json ? `${JSON.stringify(detectionJson(detection))}\n` : detectionText(detection),
        );
      } finally {
        daemon.close();
      }
    });

  program
    .command('resolve')
    .description('print the exact argv a registered runtime launches, from the last `run`')
    .argument('<runtime_id>', 'a runtime id from the last registration')
    .argument('[agent_args...]', 'the agent’s own arguments, appended after fixed_args')
    .option(
      '--state-dir <dir>',
      `state directory (env DAEMON_STATE_DIR, default ${DEFAULT_STATE_DIR})`,
      env.stateDir,
    )
    .option('--json', 'print {runtime_id, source, profile_id, argv}')
    .action(
      async (
        runtimeId: string,
        agentArgs: string[],
        opts: { stateDir?: string; json?: boolean },
      ) => {
        const records = await new DaemonState(stateDirOf(opts)).registrations();
        const argv = argvForRuntime(records, runtimeId, agentArgs);
        if (opts.json) {
          const launch = launchForRuntime(records, runtimeId);
          output.out(
            `${JSON.stringify({
              runtime_id: launch.runtimeId,
              provider: launch.provider,
              source: launch.source,
              profile_id: launch.profileId,
              argv,
            })}\n`,
          );
        } else {
          output.out(`${JSON.stringify(argv)}\n`);
        }
      },
    );

  return program;
}

function detectionJson(detection: Detection) {
  return {
    built_ins: detection.builtIns.map((b) => ({
      provider: b.provider,
      command_path: b.commandPath,
      version: b.version,
    })),
    profiles_available: detection.profiles !== undefined,
    profiles: detection.resolutions.map((r) => ({
      profile_id: r.profile.id,
      display_name: r.profile.display_name,
      protocol_family: r.profile.protocol_family,
      command_name: r.profile.command_name,
      fixed_args: r.profile.fixed_args,
      ...(r.kind === 'resolved'
        ? {
            status: 'resolved',
            command_path: r.commandPath,
            version: r.version,
            argv_prefix: launchArgv(r.commandPath, r.profile.fixed_args),
          }
        : { status: r.kind, reason: r.reason }),
    })),
  };
}

function detectionText(detection: Detection): string {
  const lines: string[] = [];
  for (const b of detection.builtIns) {
    lines.push(`built-in  ${b.provider}  ${b.commandPath}  ${b.version}`);
  }
  if (detection.profiles === undefined) {
    lines.push('profiles  unavailable (the server did not list them; built-ins only)');
  }
  for (const r of detection.resolutions) {
    const head = `profile   ${r.profile.id}  ${JSON.stringify(r.profile.display_name)}  ${r.profile.protocol_family}  ${r.profile.command_name}`;
    lines.push(
      r.kind === 'resolved'
        ? `${head}  -> ${r.commandPath}  ${r.version || '(no version)'}  argv ${JSON.stringify(launchArgv(r.commandPath, r.profile.fixed_args))}`
        : `${head}  ${r.kind.toUpperCase()}: ${r.reason}`,
    );
  }
  if (lines.length === 0) {
    lines.push('nothing to register: no built-in CLI on PATH and no enabled profile');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the program on `argv` (without node and script) and returns the exit code: 0, 1 for a
 * failure (one `error:` line), 2 for bad arguments. Expected failures never print a stack.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      deps.output.err(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (
      err instanceof RegistrationError ||
      err instanceof NoRuntimesError ||
      err instanceof ResolveError
    ) {
      deps.output.err(`error: ${err.message}\n`);
      return EXIT_FAILURE;
    }
    if (deps.signal?.aborted) {
      return EXIT_OK;
    }
    deps.output.err(`error: ${errorText(err).replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT_FAILURE;
  }
}
