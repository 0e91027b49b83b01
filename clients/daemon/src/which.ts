import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

/** Whether a path is a regular file this process may execute. */
export type ExecutableCheck = (file: string) => Promise<boolean>;

/** Where `which` looks: the PATH value and the directory relative names resolve against. */
export interface LookPathEnv {
  /** The PATH variable as the process sees it (`:`-separated on POSIX). */
  path: string;
  cwd: string;
}

/**
 * The files `which` would try for `name`, in order (like Go's `exec.LookPath`): a name with a
 * path separator is only itself (resolved against `cwd`); any other name is tried in each
 * absolute PATH directory. Empty and relative PATH entries are skipped, as Go refuses a match
 * found through them, so a command never resolves into whatever directory the daemon runs in.
 */
export function commandCandidates(name: string, env: LookPathEnv): string[] {
  if (name === '' || name.includes('\0')) {
    return [];
  }
  if (name.includes('/') || name.includes(path.sep)) {
    return [path.resolve(env.cwd, name)];
  }
  return env.path
    .split(path.delimiter)
    .filter((dir) => dir !== '' && path.isAbsolute(dir))
    .map((dir) => path.join(dir, name));
}

/**
 * Resolves `name` like `which`: the first candidate ({@link commandCandidates}) that is an
 * executable regular file, as an absolute path; undefined when none is.
 */
export async function lookPath(
  name: string,
  env: LookPathEnv,
  isExecutable: ExecutableCheck = isExecutableFile,
): Promise<string | undefined> {
  for (const candidate of commandCandidates(name, env)) {
    if (await isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/** The real check: a regular file (after symlinks) with execute permission for this process. */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) {
      return false;
    }
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
