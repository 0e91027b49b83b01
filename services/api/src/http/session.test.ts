import {
  clearedSessionCookie,
  createAdminSessions,
  readCookie,
  SESSION_COOKIE,
  sessionCookie,
} from './session';

const USER_ID = '3f1c2b9e-8d7a-4c6b-9e5f-1a2b3c4d5e6f';
const TOKEN_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const OWNER = { userId: USER_ID, tokenId: TOKEN_ID };
const NOW = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

describe(createAdminSessions.name, () => {
  const sut = createAdminSessions({ secret: 'a'.repeat(32), ttlMs: HOUR });

  describe('verify', () => {
    it('accepts a session it issued until it expires', () => {
      const value = sut.issue(OWNER, NOW);
      expect(sut.verify(value, NOW)).toEqual(OWNER);
      expect(sut.verify(value, NOW + HOUR - 1_000)).toEqual(OWNER);
      expect(sut.verify(value, NOW + HOUR)).toBeUndefined();
    });

    it('accepts a session issued with the same secret by another instance (a restart)', () => {
      const restarted = createAdminSessions({ secret: 'a'.repeat(32), ttlMs: HOUR });
      expect(restarted.verify(sut.issue(OWNER, NOW), NOW)).toEqual(OWNER);
    });

    it('refuses a session signed with another secret', () => {
      const other = createAdminSessions({ secret: 'b'.repeat(32), ttlMs: HOUR });
      expect(sut.verify(other.issue(OWNER, NOW), NOW)).toBeUndefined();
    });

    it('refuses a session whose user, token or expiry was changed', () => {
      const [version, , , expires, mac] = sut.issue(OWNER, NOW).split('.');
      const other = '00000000-0000-4000-8000-000000000000';
      const forge = (...parts: (string | undefined)[]) => sut.verify(parts.join('.'), NOW);
      expect(forge(version, other, TOKEN_ID, expires, mac)).toBeUndefined();
      expect(forge(version, USER_ID, other, expires, mac)).toBeUndefined();
      expect(
        forge(version, USER_ID, TOKEN_ID, String(Number(expires) + 3600), mac),
      ).toBeUndefined();
    });

    it.each([
      undefined,
      '',
      'garbage',
      'v1.a.b',
      'v1.u.1.x',
      'v2.a.t.1.b',
      'v1..t.1.x',
      'v1.u..1.x',
      'v1.u.t.1e3.x',
    ])('refuses %j', (value) => {
      expect(sut.verify(value, NOW)).toBeUndefined();
    });
  });

  describe(readCookie.name, () => {
    it('finds a cookie among others', () => {
      expect(readCookie(`a=1; ${SESSION_COOKIE}=v1.x.2.y; b=3`, SESSION_COOKIE)).toBe('v1.x.2.y');
    });

    it('is undefined without the header or the cookie', () => {
      expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
      expect(readCookie('a=1; b=2', SESSION_COOKIE)).toBeUndefined();
      expect(readCookie(`x${SESSION_COOKIE}=1`, SESSION_COOKIE)).toBeUndefined();
    });
  });

  describe(sessionCookie.name, () => {
    it('is HttpOnly, SameSite=Strict, for the whole site and expires with the session', () => {
      expect(sessionCookie('v', HOUR, { secure: false })).toBe(
        `${SESSION_COOKIE}=v; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict`,
      );
    });

    it('is Secure when asked', () => {
      expect(sessionCookie('v', HOUR, { secure: true })).toMatch(/; Secure$/);
    });

    it('is cleared with an empty value that expires at once', () => {
      expect(clearedSessionCookie({ secure: false })).toBe(
        `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`,
      );
    });
  });
});
