import { QueryFailedError } from 'typeorm';

interface PgDriverError {
  code?: string;
  constraint?: string;
}

/** The Postgres SQLSTATE and constraint of a failed query, if it is one. */
export function pgErrorOf(err: unknown): PgDriverError | undefined {
  if (err instanceof QueryFailedError) {
    return err.driverError as PgDriverError;
  }
  return undefined;
}

/** True for a unique violation (23505), optionally of one named constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pg = pgErrorOf(err);
  return pg?.code === '23505' && (constraint === undefined || pg.constraint === constraint);
}

/** True for a foreign-key violation (23503), optionally of one named constraint. */
export function isForeignKeyViolation(err: unknown, constraint?: string): boolean {
  const pg = pgErrorOf(err);
  return pg?.code === '23503' && (constraint === undefined || pg.constraint === constraint);
}

/**
 * SQLSTATEs that clear by themselves: serialization failure, deadlock, and the connection
 * classes (08xxx, admin shutdown, cannot connect now).
 */
export function isTransientPgError(err: unknown): boolean {
  const code = pgErrorOf(err)?.code ?? (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    return false;
  }
  return (
    code === '40001' ||
    code === '40P01' ||
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P03' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET'
  );
}
