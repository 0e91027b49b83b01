import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type ApiTokenKind, DAEMON_TOKEN_PREFIX, PAT_PREFIX } from '@cp/contracts';

const PREFIX: Record<ApiTokenKind, string> = { pat: PAT_PREFIX, daemon: DAEMON_TOKEN_PREFIX };

/** A new plain token: `mul_` or `mdt_` + 32 random bytes in base64url. Show it once, store its hash. */
export function generateToken(kind: ApiTokenKind): string {
  return PREFIX[kind] + randomBytes(32).toString('base64url');
}

/** The stored form of a token: lowercase hex SHA-256. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The stored form's shape (the same as `api_token_token_hash_check`). */
const TOKEN_HASH = /^[0-9a-f]{64}$/;

/**
 * Constant-time comparison of two token hashes. False when either is not a lowercase hex
 * SHA-256: `Buffer.from(x, 'hex')` silently drops what is not hex, so malformed input would
 * otherwise compare equal (`''` with `''`, `'abc'` with `'abd'`).
 */
export function tokenHashesEqual(a: string, b: string): boolean {
  if (!TOKEN_HASH.test(a) || !TOKEN_HASH.test(b)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/** The kind a plain token's prefix claims, or undefined for an unknown prefix. */
export function tokenKindOf(token: string): ApiTokenKind | undefined {
  if (token.startsWith(PAT_PREFIX)) {
    return 'pat';
  }
  if (token.startsWith(DAEMON_TOKEN_PREFIX)) {
    return 'daemon';
  }
  return undefined;
}
