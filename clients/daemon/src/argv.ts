/**
 * The argv a custom runtime launches (spec §8.5): the resolved command, then the profile's
 * `fixed_args` as a prefix, then the agent's own arguments. Order matters: a wrapper such as
 * `ccms start q36` must see its fixed arguments before anything the agent adds.
 */
export function launchArgv(
  command: string,
  fixedArgs: readonly string[],
  agentArgs: readonly string[] = [],
): string[] {
  return [command, ...fixedArgs, ...agentArgs];
}

/**
 * The argv of a version probe: the launch prefix, then `--version`, so a wrapper reports the
 * version of the CLI it runs rather than its own (as upstream HEAD probes).
 */
export function versionProbeArgv(command: string, fixedArgs: readonly string[] = []): string[] {
  return launchArgv(command, fixedArgs, ['--version']);
}
