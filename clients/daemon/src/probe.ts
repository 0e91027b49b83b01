import { execFile } from 'node:child_process';
import { parseVersion } from './semver';

/** Runs an argv ending in `--version` and reads the semver it prints; undefined on failure. */
export type VersionProbe = (argv: readonly string[]) => Promise<string | undefined>;

/**
 * The real probe: runs the command without a shell, bounded in time and output. A non-zero
 * exit, a timeout, a missing file or output without a semver are all a failed probe.
 */
export function makeVersionProbe(timeoutMs = 5_000): VersionProbe {
  return (argv) =>
    new Promise((resolve) => {
      const [file, ...args] = argv;
      if (file === undefined) {
        resolve(undefined);
        return;
      }
      execFile(
        file,
        args,
        { timeout: timeoutMs, maxBuffer: 64 * 1024, windowsHide: true },
        (err, stdout, stderr) => {
          resolve(err ? undefined : (parseVersion(stdout) ?? parseVersion(stderr)));
        },
      );
    });
}
