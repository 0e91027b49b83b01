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

/** Constant-time comparison of two token hashes. */
export function tokenHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
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
