/**
 * A mistake in the command line or a reference to something that does not exist: printed as
 * one `error: ...` line, exit code 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
