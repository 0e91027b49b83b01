import { createHmac, timingSafeEqual } from 'node:crypto';

/** The queue dashboard's session cookie. */
export const SESSION_COOKIE = 'cp_admin_session';

/** Options of {@link createAdminSessions}. */
export interface AdminSessionOptions {
  /** The HMAC key. The same secret after a restart (or on another replica) keeps sessions valid. */
  secret: string;
  /** How long a session lasts. */
  ttlMs: number;
}

/** Who a session was issued to: the operator and the personal token they logged in with. */
export interface SessionOwner {
  userId: string;
  /** The `api_token` id of the login token: revoking that token ends its sessions. */
  tokenId: string;
}

/** Signed, expiring operator sessions: stateless, so any api replica with the secret accepts them. */
export interface AdminSessions {
  readonly ttlMs: number;
  /** A session value for `owner`, expiring `ttlMs` after `nowMs`. */
  issue(owner: SessionOwner, nowMs?: number): string;
  /** Whom a value was issued to, or undefined when it is forged, malformed or expired. */
  verify(value: string | undefined, nowMs?: number): SessionOwner | undefined;
}

const VERSION = 'v1';

/**
 * Sessions as `v1.<user id>.<token id>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`.
 * Nothing is stored: the signature proves the value; a session ends when it expires, when the
 * secret changes, or (checked by the caller on every request, through the auth cache) when its
 * login token is revoked or its user stops being an operator.
 */
export function createAdminSessions(opts: AdminSessionOptions): AdminSessions {
  const sign = (body: string): Buffer => createHmac('sha256', opts.secret).update(body).digest();

  return {
    ttlMs: opts.ttlMs,
    issue: ({ userId, tokenId }, nowMs = Date.now()) => {
      const expires = Math.floor((nowMs + opts.ttlMs) / 1000);
      const body = `${VERSION}.${userId}.${tokenId}.${expires}`;
      return `${body}.${sign(body).toString('base64url')}`;
    },
    verify: (value, nowMs = Date.now()) => {
      const parts = (value ?? '').split('.');
      if (parts.length !== 5 || parts[0] !== VERSION) {
        return undefined;
      }
      const [, userId = '', tokenId = '', expiresText = '', mac = ''] = parts;
      const expires = Number(expiresText);
      if (
        userId === '' ||
        tokenId === '' ||
        !/^\d+$/.test(expiresText) ||
        expires * 1000 <= nowMs
      ) {
        return undefined;
      }
      const expected = sign(parts.slice(0, 4).join('.'));
      const offered = Buffer.from(mac, 'base64url');
      if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) {
        return undefined;
      }
      return { userId, tokenId };
    },
  };
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) {
      const raw = pair.slice(at + 1).trim();
      try {
        return decodeURIComponent(
          raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw,
        );
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Attributes of the session cookie. */
export interface SessionCookieOptions {
  /** `Secure`: only over HTTPS (set it behind TLS). */
  secure: boolean;
}

/**
 * The `Set-Cookie` value that stores a session: `HttpOnly` (no script reads it),
 * `SameSite=Strict` (no other site's page can make the browser send it), `Path=/` (the
 * dashboard and `/metrics`), expiring with the session.
 */
export function sessionCookie(value: string, maxAgeMs: number, opts: SessionCookieOptions): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    `Max-Age=${Math.floor(maxAgeMs / 1000)}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The `Set-Cookie` value that removes the session cookie (logout). */
export function clearedSessionCookie(opts: SessionCookieOptions): string {
  return sessionCookie('', 0, opts);
}
