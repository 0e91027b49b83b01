import { DAEMON_TOKEN_PREFIX, PAT_PREFIX } from '@cp/contracts';
import { generateToken, hashToken, tokenHashesEqual, tokenKindOf } from './tokens';

describe('tokens', () => {
  describe(generateToken.name, () => {
    it.each([
      ['pat', PAT_PREFIX],
      ['daemon', DAEMON_TOKEN_PREFIX],
    ] as const)('makes a %s token: its prefix and 32 random bytes in base64url', (kind, prefix) => {
      const sut = generateToken(kind);

      expect(sut.startsWith(prefix)).toBe(true);
      const body = sut.slice(prefix.length);
      expect(body).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(body, 'base64url')).toHaveLength(32);
    });

    it('never repeats itself', () => {
      const tokens = Array.from({ length: 500 }, () => generateToken('pat'));

      expect(new Set(tokens).size).toBe(tokens.length);
    });
  });

  describe(hashToken.name, () => {
    it('is the lowercase hex SHA-256 of the token', () => {
      // SHA-256("abc"), FIPS 180-2 test vector.
      expect(hashToken('abc')).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
    });

    it('is stable for one token and differs between tokens', () => {
      const token = generateToken('daemon');

      expect(hashToken(token)).toBe(hashToken(token));
      expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
      expect(hashToken(token)).not.toBe(hashToken(generateToken('daemon')));
    });
  });

  describe(tokenHashesEqual.name, () => {
    const hash = hashToken('mul_first');
    const other = hashToken('mul_second');

    it('is true for the same hash', () => {
      expect(tokenHashesEqual(hash, hashToken('mul_first'))).toBe(true);
    });

    it('is false for different hashes, or hashes of different lengths', () => {
      expect(tokenHashesEqual(hash, other)).toBe(false);
      expect(tokenHashesEqual(hash, hash.slice(0, 62))).toBe(false);
      expect(tokenHashesEqual(hash, `${hash}00`)).toBe(false);
    });

    it.each([
      ['empty strings', '', ''],
      ['non-hex strings', 'z'.repeat(64), 'y'.repeat(64)],
      ['odd-length strings sharing their whole bytes', 'abc', 'abd'],
      ['a hash and its uppercase', hash, hash.toUpperCase()],
    ])('is false for %s, which are not hashes', (_label, a, b) => {
      expect(tokenHashesEqual(a, b)).toBe(false);
    });
  });

  describe(tokenKindOf.name, () => {
    it.each([
      [`${PAT_PREFIX}abc`, 'pat'],
      [`${DAEMON_TOKEN_PREFIX}abc`, 'daemon'],
      ['mcn_abc', undefined],
      ['MUL_abc', undefined],
      ['mul', undefined],
      ['', undefined],
    ])('reads %j as %s', (token, kind) => {
      expect(tokenKindOf(token)).toBe(kind);
    });

    it('reads the kind of a generated token', () => {
      expect(tokenKindOf(generateToken('pat'))).toBe('pat');
      expect(tokenKindOf(generateToken('daemon'))).toBe('daemon');
    });
  });
});
