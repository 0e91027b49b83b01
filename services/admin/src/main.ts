/**
 * `npm run admin -- <command>`: the admin CLI. Parses argv, connects to DATABASE_URL once the
 * arguments are valid, runs the command and exits 0, 1 (failure) or 2 (bad arguments).
 */
import { runCli, type CliOutput, EXIT_FAILURE } from './cli';
import { loadConfig } from './config';
import { connectDb, type DbConnection } from './connect';

const output: CliOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const oneLine = (err: unknown): string =>
  `error: ${(err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ')}\n`;

async function main(argv: readonly string[]): Promise<number> {
  let url: string;
  try {
    url = loadConfig().database.url;
  } catch (err) {
    output.err(oneLine(err));
    return EXIT_FAILURE;
  }
  let connection: DbConnection | undefined;
  try {
    return await runCli(argv, {
      output,
      openDb: async () => {
        connection ??= await connectDb(url);
        return connection.db;
      },
    });
  } finally {
    await connection?.close();
  }
}

// exitCode rather than exit(): stdout is flushed before the process ends.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    output.err(oneLine(err));
    process.exitCode = EXIT_FAILURE;
  },
);
