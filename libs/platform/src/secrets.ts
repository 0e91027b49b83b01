import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time, whatever their lengths (both are hashed first, so
 * neither the content nor the length of the expected one leaks through timing).
 */
export function secretsEqual(offered: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}
