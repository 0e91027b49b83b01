/** `npm run fleet -- ...`: the daemon simulator (see `cli.ts`). */
import { loadDaemonEnv } from '../config';
import { runSimulatorCli } from './cli';

runSimulatorCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  progress: process.stderr,
  env: loadDaemonEnv(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
