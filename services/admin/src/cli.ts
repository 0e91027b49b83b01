import { type Db, pgErrorOf } from '@cp/db';
import { describeCause } from '@cp/platform';
import { Command, CommanderError } from 'commander';
import type { z } from 'zod';
import {
  addMember,
  createDaemonToken,
  createToken,
  createWorkspace,
  DEMO_OWNER_EMAIL,
  DEMO_WORKSPACE_NAME,
  type DemoSeedResult,
  grantOperator,
  seedDemo,
} from './commands';
import { UsageError } from './errors';
import {
  AddMemberInput,
  CreateDaemonTokenInput,
  CreateTokenInput,
  CreateWorkspaceInput,
  GrantOperatorInput,
} from './inputs';

/** Where the CLI writes: the process's streams in `main.ts`, buffers in tests. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** What the program needs from outside. */
export interface CliDeps {
  /** Connects to the database. Called only once the arguments are valid. */
  openDb(): Promise<Db>;
  output: CliOutput;
}

export const EXIT_OK = 0;
/** Anything that is not the caller's mistake: an unreachable database, an unexpected error. */
export const EXIT_FAILURE = 1;
/** Bad arguments: a missing or malformed option, an unknown workspace or user. */
export const EXIT_USAGE = 2;

/** The one line `seed-demo` prints when the database already has workspaces. */
export const ALREADY_SEEDED_MESSAGE =
  'the database already has workspaces, so no demo was seeded; create tokens with the admin CLI: ' +
  "'npm run admin -- create-token --user <user-id>' or " +
  "'npm run admin -- create-daemon-token --workspace <workspace-id>'";

const JSON_OPTION = ['--json', 'print the result as one JSON object'] as const;

/**
 * Builds the commander program. Parse with `parseAsync(argv, { from: 'user' })`; it throws
 * instead of exiting (see {@link runCli}, which maps what it throws to an exit code).
 */
export function buildProgram(deps: CliDeps): Command {
  const { output } = deps;
  // Settings are copied to subcommands when they are created, so they come first.
  const program = new Command('admin')
    .description('Administer the control plane: workspaces, members, tokens, operators.')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (text) => output.out(text),
      writeErr: (text) => output.err(text),
    });

  program
    .command('create-workspace')
    .description("create a workspace and its owner; prints the owner's personal token once")
    .requiredOption('--name <name>', 'workspace name (the slug derives from it)')
    .requiredOption('--owner-email <email>', 'owner email; the user is created if unknown')
    .option(...JSON_OPTION)
    .action(async (opts: Options) => {
      const input = parseOptions(CreateWorkspaceInput, opts, {
        name: '--name',
        ownerEmail: '--owner-email',
      });
      print(output, opts, await createWorkspace(await deps.openDb(), input));
    });

  program
    .command('add-member')
    .description('add a user (created if unknown) to a workspace, or change their role')
    .requiredOption('--workspace <id>', 'workspace id')
    .requiredOption('--email <email>', 'user email')
    .requiredOption('--role <role>', 'owner, admin or member')
    .option(...JSON_OPTION)
    .action(async (opts: Options) => {
      const input = parseOptions(AddMemberInput, opts, {
        workspaceId: '--workspace',
        email: '--email',
        role: '--role',
      });
      print(output, opts, await addMember(await deps.openDb(), input));
    });

  program
    .command('create-token')
    .description('issue a personal token (mul_...) for an existing user')
    .requiredOption('--user <id>', 'user id')
    .option(...JSON_OPTION)
    .action(async (opts: Options) => {
      const input = parseOptions(CreateTokenInput, opts, { userId: '--user' });
      print(output, opts, await createToken(await deps.openDb(), input));
    });

  program
    .command('create-daemon-token')
    .description('issue a daemon token (mdt_...) bound to a workspace')
    .requiredOption('--workspace <id>', 'workspace id')
    .option('--user <id>', 'issue it for this user, who must be a member of the workspace')
    .option(...JSON_OPTION)
    .action(async (opts: Options) => {
      const input = parseOptions(CreateDaemonTokenInput, opts, {
        workspaceId: '--workspace',
        userId: '--user',
      });
      print(output, opts, await createDaemonToken(await deps.openDb(), input));
    });

  program
    .command('grant-operator')
    .description('make a user an operator (queue dashboard, metrics)')
    .requiredOption('--user <id>', 'user id')
    .option(...JSON_OPTION)
    .action(async (opts: Options) => {
      const input = parseOptions(GrantOperatorInput, opts, { userId: '--user' });
      print(output, opts, await grantOperator(await deps.openDb(), input));
    });

  program
    .command('seed-demo')
    .description(
      `on an empty database, create workspace "${DEMO_WORKSPACE_NAME}" owned by ` +
        `${DEMO_OWNER_EMAIL} with a personal and a daemon token; otherwise do nothing`,
    )
    .option(...JSON_OPTION)
    .action(async (opts: Options) => {
      const seeded = await seedDemo(await deps.openDb());
      if (opts.json === true) {
        output.out(
          `${JSON.stringify(seeded ?? { seeded: false, message: ALREADY_SEEDED_MESSAGE })}\n`,
        );
      } else {
        output.out(seeded ? describeDemoSeed(seeded) : `${ALREADY_SEEDED_MESSAGE}\n`);
      }
    });

  return program;
}

/**
 * Runs one command line (without the node and script arguments) and returns the exit code:
 * {@link EXIT_OK}, {@link EXIT_USAGE} for bad arguments, {@link EXIT_FAILURE} otherwise. Every
 * error is one `error: ...` line on `output.err`, never a stack trace.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  try {
    await buildProgram(deps).parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already written its message (or the help) through `output`.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const message = err instanceof Error ? err.message : describeCause(err);
    // undefined_table: the database was never migrated.
    const hint = pgErrorOf(err)?.code === '42P01' ? "; run 'npm run db:migrate' first" : '';
    deps.output.err(`error: ${message.replace(/\s*\n\s*/g, ' ')}${hint}\n`);
    return err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** Commander's parsed options: strings, `true` for flags, undefined when absent. */
type Options = Record<string, unknown>;

/** Commander's key for a flag: `--owner-email` → `ownerEmail`. */
const optionKey = (flag: string): string =>
  flag.replace(/^--/, '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * Validates options against a command's input schema. `flags` maps each input field to its
 * flag, which the error names: `option '--role' must be one of owner, admin, member (got "x")`.
 */
function parseOptions<S extends z.ZodObject>(
  schema: S,
  opts: Options,
  flags: { [K in keyof z.input<S>]-?: string },
): z.output<S> {
  const fields: [string, string][] = Object.entries(flags);
  const raw = Object.fromEntries(fields.map(([field, flag]) => [field, opts[optionKey(flag)]]));
  const result = schema.safeParse(raw);
  if (result.success) {
    return result.data;
  }
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? '');
  const flag = fields.find(([name]) => name === field)?.[1] ?? field;
  const value = raw[field];
  const got = typeof value === 'string' ? ` (got ${JSON.stringify(value)})` : '';
  throw new UsageError(`option '${flag}' ${issue?.message ?? 'is invalid'}${got}`);
}

/** Prints a result as JSON with `--json`, otherwise as `key: value` lines. */
function print(output: CliOutput, opts: Options, result: object): void {
  output.out(opts.json === true ? `${JSON.stringify(result)}\n` : toLines(result));
}

const toLines = (result: object): string =>
  Object.entries(result)
    .map(([key, value]) => `${key}: ${String(value)}\n`)
    .join('');

function describeDemoSeed(seed: DemoSeedResult): string {
  return [
    `Seeded the demo workspace "${DEMO_WORKSPACE_NAME}", owned by ${DEMO_OWNER_EMAIL}.`,
    toLines(seed).trimEnd(),
    `token is ${DEMO_OWNER_EMAIL}'s personal token (an operator: it opens /admin/queues and /metrics); daemon_token is the workspace's daemon token.`,
    'These tokens are shown once and cannot be recovered: save them now.',
    '',
  ].join('\n');
}
