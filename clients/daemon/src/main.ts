/**
 * `npm run daemon -- <command>`: the daemon CLI. Exits 0, 1 (failure) or 2 (bad arguments);
 * SIGINT/SIGTERM stop a running daemon cleanly.
 */
import { type CliOutput, EXIT_FAILURE, runCli } from './cli';
import { loadDaemonEnv } from './config';

const output: CliOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

runCli(process.argv.slice(2), {
  output,
  env: loadDaemonEnv(),
  cwd: process.cwd(),
  signal: stop.signal,
}).then(
  (code) => {
    // exitCode rather than exit(): stdout is flushed before the process ends.
    process.exitCode = code;
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
  },
  (err: unknown) => {
    output.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT_FAILURE;
  },
);
