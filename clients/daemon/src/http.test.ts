import { apiPathOfLocation, apiUrl, ForeignLocationError } from './http';

describe(apiUrl.name, () => {
  it.each([
    ['http://127.0.0.1:8080', '/api/daemon/register', 'http://127.0.0.1:8080/api/daemon/register'],
    ['http://127.0.0.1:8080/', '/api/daemon/register', 'http://127.0.0.1:8080/api/daemon/register'],
    ['https://gw.example/cp/', '/api/daemon/register', 'https://gw.example/cp/api/daemon/register'],
    ['https://gw.example/cp', '/api/daemon/register', 'https://gw.example/cp/api/daemon/register'],
    [
      'https://gw.example/a/b//',
      '/api/operations/x?y=1',
      'https://gw.example/a/b/api/operations/x?y=1',
    ],
    ['https://gw.example/cp/?ignored=1#frag', '/api/x', 'https://gw.example/cp/api/x'],
    ['https://gw.example/cp/', 'api/x', 'https://gw.example/cp/api/x'],
  ])('puts %s and %s together', (server, path, expected) => {
    expect(apiUrl(new URL(server), path).href).toBe(expected);
  });

  it('never reads a path as a host', () => {
    const sut = apiUrl(new URL('https://gw.example'), '//evil.example/api/x');

    expect(sut.host).toBe('gw.example');
    expect(sut.pathname).toBe('//evil.example/api/x');
  });
});

describe(apiPathOfLocation.name, () => {
  const register = '/api/daemon/register';

  it.each([
    // An api at the root.
    [
      'http://127.0.0.1:8080',
      '/api/operations/runtime.register.1',
      '/api/operations/runtime.register.1',
    ],
    [
      'http://127.0.0.1:8080',
      'http://127.0.0.1:8080/api/operations/a?x=1',
      '/api/operations/a?x=1',
    ],
    ['http://127.0.0.1:8080', '../operations/a', '/api/operations/a'],
    // Behind a gateway at /cp/: the api's own path, or one the gateway rewrote.
    ['https://gw.example/cp/', '/api/operations/a', '/api/operations/a'],
    ['https://gw.example/cp/', '/cp/api/operations/a', '/api/operations/a'],
    ['https://gw.example/cp', 'https://gw.example/cp/api/operations/a', '/api/operations/a'],
    ['https://gw.example/cp/', '../operations/a', '/api/operations/a'],
    // The default port is the same origin.
    ['https://gw.example/', 'https://GW.example:443/api/operations/a', '/api/operations/a'],
  ])('follows on %s: %s', (server, location, expected) => {
    const sut = apiPathOfLocation(new URL(server), register, location);

    expect(sut).toBe(expected);
    expect(apiUrl(new URL(server), sut).origin).toBe(new URL(server).origin);
  });

  it.each([
    ['https://evil.example/api/operations/a'],
    ['//evil.example/api/operations/a'],
    ['http://gw.example/api/operations/a'],
    ['https://gw.example:8443/api/operations/a'],
    ['https://gw.example.evil.example/api/operations/a'],
    ['javascript:alert(1)'],
  ])('refuses %s for https://gw.example/cp/', (location) => {
    expect(() => apiPathOfLocation(new URL('https://gw.example/cp/'), register, location)).toThrow(
      ForeignLocationError,
    );
  });
});
