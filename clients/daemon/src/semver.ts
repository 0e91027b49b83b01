/**
 * `1.2.3`, optionally `v`-prefixed, with an optional pre-release; build metadata is dropped.
 * Not part of a longer dotted number (an IP address is not a version).
 */
const SEMVER = /(?:^|[^\d.])v?(\d+)\.(\d+)\.(\d+)(?!\.\d)(-[0-9A-Za-z]+(?:\.[0-9A-Za-z-]+)*)?/;

/**
 * The version in a CLI's `--version` output: the semver of the first line that has one
 * (`codex-cli 0.118.0` → `0.118.0`, `2.1.5 (Claude Code)` → `2.1.5`). Undefined when no line
 * has one, which the daemon treats as a failed probe.
 */
export function parseVersion(output: string): string | undefined {
  for (const line of output.split(/\r?\n/)) {
    const match = SEMVER.exec(line.trim());
    if (match) {
      const [, major, minor, patch, pre] = match;
      return `${Number(major)}.${Number(minor)}.${Number(patch)}${pre ?? ''}`;
    }
  }
  return undefined;
}
