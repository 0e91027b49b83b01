import { secretsEqual } from './secrets';

describe(secretsEqual.name, () => {
  it.each([
    ['token-0123456789abcdef', 'token-0123456789abcdef', true],
    ['token-0123456789abcdeF', 'token-0123456789abcdef', false],
    ['token', 'token-0123456789abcdef', false],
    ['', 'token-0123456789abcdef', false],
  ])('compares %j with %j: %j', (offered, expected, equal) => {
    expect(secretsEqual(offered, expected)).toBe(equal);
  });
});
