import { writeFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { DaemonEnv } from '../config';
import { errorText } from '../log';
import { createProgress, type ProgressStream } from './progress';
import { simulate, SimulationSetupError } from './simulator';
import { formatSummary, SimulationStats } from './stats';

/** Where the simulator writes. */
export interface SimulatorCliDeps {
  out(text: string): void;
  err(text: string): void;
  /** Progress goes here (stderr in `main.ts`). */
  progress: ProgressStream;
  env: DaemonEnv;
}

const count = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new InvalidArgumentError('must be a whole number');
  }
  return parsed;
};

interface SimulatorOptions {
  server?: string;
  token?: string;
  workspace?: string;
  daemons: number;
  concurrency: number;
  runtimes: number;
  customProfiles: number;
  storm?: boolean;
  idSeed?: string;
  json?: string;
}

class UsageError extends Error {}

/**
 * `npm run fleet -- ...`: simulated daemons registering against an api. Returns the exit code:
 * 0 when every daemon registered, 1 when some failed or the api was unreachable, 2 for bad
 * arguments.
 */
export async function runSimulatorCli(
  argv: readonly string[],
  deps: SimulatorCliDeps,
): Promise<number> {
  let failed = 0;
  const program = new Command('fleet')
    .description('Simulate many daemons registering at once, and measure the api.')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ writeOut: (t) => deps.out(t), writeErr: (t) => deps.err(t) })
    .option('--server <url>', 'api base URL (env DAEMON_SERVER)')
    .option('--token <token>', 'daemon token mdt_... of the workspace (env DAEMON_TOKEN)')
    .option('--workspace <id>', 'workspace id (env DAEMON_WORKSPACE_ID)')
    .option('--daemons <n>', 'simulated daemons', count, 100)
    .option('--concurrency <n>', 'daemons registering at a time; also the socket cap', count, 50)
    .option('--runtimes <n>', 'runtimes per daemon', count, 4)
    .option('--custom-profiles <n>', 'of which custom (the first enabled profiles)', count, 0)
    .option('--storm', 'start every daemon at once (requests still share --concurrency sockets)')
    .option(
      '--id-seed <text>',
      'derive daemon ids from this: a rerun re-registers the same daemons',
    )
    .option('--json <file>', 'also write the summary as JSON to this file')
    .action(async (opts: SimulatorOptions) => {
      const server = opts.server ?? deps.env.server;
      const token = opts.token ?? deps.env.token;
      const workspaceId = opts.workspace ?? deps.env.workspaceId;
      if (!server || !token || !workspaceId) {
        throw new UsageError('--server, --token and --workspace are required');
      }
      let url: URL;
      try {
        url = new URL(server);
      } catch {
        throw new UsageError(`--server is not a URL: ${server}`);
      }
      const progress = createProgress(deps.progress, opts.daemons);
      deps.err(
        `simulating ${opts.daemons} daemons × ${opts.runtimes} runtimes (${opts.customProfiles} custom), ` +
          `${opts.storm ? 'all at once' : `${opts.concurrency} at a time`}, ${opts.concurrency} sockets\n`,
      );
      const stats = new SimulationStats();
      const ticker = setInterval(() => progress.update(stats), 100);
      let summary;
      try {
        summary = await simulate(
          {
            server: url,
            token,
            workspaceId,
            daemons: opts.daemons,
            concurrency: opts.concurrency,
            runtimes: opts.runtimes,
            customProfiles: opts.customProfiles,
            storm: opts.storm === true,
            idSeed: opts.idSeed,
          },
          stats,
        );
      } catch (err) {
        throw err instanceof SimulationSetupError ? new UsageError(err.message) : err;
      } finally {
        clearInterval(ticker);
      }
      progress.finish(stats);
      deps.out(`${formatSummary(summary)}\n`);
      if (opts.json) {
        await writeFile(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
      }
      failed = summary.failed;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return failed === 0 ? 0 : 1;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : 2;
    }
    deps.err(`error: ${errorText(err).replace(/\s*\n\s*/g, ' ')}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
