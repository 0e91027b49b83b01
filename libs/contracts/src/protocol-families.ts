import { z } from 'zod';

/**
 * The protocol families a runtime profile may name, in upstream's order (spec §1.9).
 *
 * The same list is the CHECK `runtime_profile_protocol_family_check` in the profile migration;
 * a test reads that CHECK from `pg_constraint` and fails when the two drift apart.
 * Membership is exact and case-sensitive (`Codex` is not a family).
 */
export const PROTOCOL_FAMILIES = [
  'claude',
  'codebuddy',
  'codex',
  'copilot',
  'opencode',
  'openclaw',
  'hermes',
  'gemini',
  'pi',
  'cursor',
  'kimi',
  'kiro',
  'antigravity',
] as const;

/** One of {@link PROTOCOL_FAMILIES}. */
export type ProtocolFamily = (typeof PROTOCOL_FAMILIES)[number];

/** Exact, case-sensitive membership test (upstream's `IsSupportedType`). */
export function isProtocolFamily(value: string): value is ProtocolFamily {
  return (PROTOCOL_FAMILIES as readonly string[]).includes(value);
}

/** zod schema of a protocol family. */
export const ProtocolFamily = z.enum(PROTOCOL_FAMILIES);
