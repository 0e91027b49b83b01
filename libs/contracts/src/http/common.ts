import { z } from 'zod';

const UUID_PATTERN =
  /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** True for a canonical 8-4-4-4-12 hex UUID (any case). */
export const isUuid = (value: string): boolean => UUID_PATTERN.test(value);

/** A UUID that must parse, with upstream's sentence for a malformed one; lower-cased. */
export const uuidParam = (message: string) =>
  z
    .string({ error: message })
    .regex(UUID_PATTERN, { error: message })
    .transform((v) => v.toLowerCase());

/** An RFC 3339 timestamp at second precision, as upstream sends them (`2026-01-01T00:00:00Z`). */
export const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

/** Formats a date the way upstream does: UTC, second precision, `Z`. */
export function toTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Counts characters as people do (code points), not UTF-16 units. */
export const charLength = (value: string): number => [...value].length;
