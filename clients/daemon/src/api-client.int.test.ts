import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationJson } from '@cp/contracts';
import { ApiClient, ApiError, registerResultOf } from './api-client';
import { HttpClient } from './http';
import { silentLogger } from './log';
import { registerWithRetries, RegistrationError } from './registration';

const WORKSPACE_ID = '6676b6a0-1b7e-4bd6-9f4e-7b4bb1a4a2f1';
const TOKEN = 'mdt_secret';

const operationJson = (id: string): OperationJson => ({
  id,
  kind: 'runtime.register',
  status: 'queued',
  workspace_id: WORKSPACE_ID,
  target_id: null,
  result: null,
  error: null,
  created_at: '2026-12-04T06:38:11Z',
  updated_at: '2026-12-04T06:38:11Z',
});

const REQUEST = {
  workspace_id: WORKSPACE_ID,
  daemon_id: '9c069d3e-6f1f-4a55-8a1e-0d7c4b9f1a33',
  runtimes: [{ name: 'Codex (h)', type: 'codex', version: '1.0.0' }],
};

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
}

/** A real HTTP server on a free loopback port, answering with `handler` and noting requests. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      authorization: req.headers.authorization,
    });
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Served = Awaited<ReturnType<typeof serve>>;

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe(ApiClient.name, () => {
  const servers: Served[] = [];
  const clients: HttpClient[] = [];

  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function start(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    const served = await serve(handler);
    servers.push(served);
    return served;
  }

  function clientOf(server: string): ApiClient {
    const http = new HttpClient(new URL(server), { maxSockets: 2 });
    clients.push(http);
    return new ApiClient(http, TOKEN);
  }

  describe('a server URL with a path prefix', () => {
    it('sends every request under the prefix and follows Location there', async () => {
      const api = await start((req, res) => {
        if (req.url === `/cp/api/daemon/workspaces/${WORKSPACE_ID}/runtime-profiles`) {
          json(res, 200, { workspace_id: WORKSPACE_ID, runtime_profiles: [] });
        } else if (req.url === '/cp/api/daemon/register') {
          // The api behind the gateway does not know the prefix.
          json(
            res,
            202,
            { operation: operationJson('op.1') },
            { location: '/api/operations/op.1' },
          );
        } else if (req.url === '/cp/api/operations/op.1') {
          json(res, 200, { operation: operationJson('op.1') });
        } else {
          json(res, 404, { error: 'not found' });
        }
      });
      const sut = clientOf(`${api.origin}/cp/`);

      await sut.listProfiles(WORKSPACE_ID);
      const answer = await sut.register(REQUEST);
      const location = answer.kind === 'accepted' ? answer.location : '';
      const polled = await sut.getOperation(location);

      expect(location).toBe('/api/operations/op.1');
      expect(polled.kind).toBe('operation');
      expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
        `GET /cp/api/daemon/workspaces/${WORKSPACE_ID}/runtime-profiles`,
        'POST /cp/api/daemon/register',
        'GET /cp/api/operations/op.1',
      ]);
    });

    it('takes a Location the gateway rewrote under the prefix as it is', async () => {
      const api = await start((_req, res) =>
        json(
          res,
          202,
          { operation: operationJson('op.2') },
          {
            location: '/cp/api/operations/op.2',
          },
        ),
      );

      const answer = await clientOf(`${api.origin}/cp`).register(REQUEST);

      expect(answer).toMatchObject({ kind: 'accepted', location: '/api/operations/op.2' });
    });
  });

  describe('a Location to another origin', () => {
    it('is never followed, so the token stays with the server', async () => {
      const elsewhere = await start((_req, res) => json(res, 200, {}));
      const api = await start((_req, res) =>
        json(
          res,
          202,
          { operation: operationJson('op.3') },
          {
            location: `${elsewhere.origin}/api/operations/op.3`,
          },
        ),
      );
      const sut = clientOf(api.origin);

      const direct = sut.register(REQUEST);
      await expect(direct).rejects.toThrow(ApiError);
      await expect(direct).rejects.toMatchObject({ route: 'register', status: 202 });
      await expect(direct).rejects.toThrow(/refusing to follow Location to another origin/);

      const registration = registerWithRetries({ client: sut, log: silentLogger }, () =>
        Promise.resolve(REQUEST),
      );
      await expect(registration).rejects.toThrow(RegistrationError);
      await expect(registration).rejects.toMatchObject({ status: 202 });

      expect(api.seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
      expect(elsewhere.seen).toEqual([]);
    });
  });

  describe('a 200 it cannot use', () => {
    it.each([
      [
        'an HTML page',
        'text/html',
        '<html><body>Please sign in</body></html>',
        /not JSON \(text\/html\)/,
      ],
      [
        'another shape',
        'application/json',
        `{"workspace_id": "${WORKSPACE_ID}", "runtime_profiles": [{"id": 7}]}`,
        /not the expected shape \(runtime_profiles\.0\.id: /,
      ],
    ])('throws ApiError with the status for %s', async (_what, type, body, message) => {
      const api = await start((_req, res) => {
        res.writeHead(200, { 'content-type': type });
        res.end(body);
      });

      const failure = clientOf(api.origin).listProfiles(WORKSPACE_ID);

      await expect(failure).rejects.toThrow(ApiError);
      await expect(failure).rejects.toMatchObject({
        route: 'profiles',
        status: 200,
        code: undefined,
      });
      await expect(failure).rejects.toThrow(message);
    });

    it('throws ApiError for a register 200 that is not a registration', async () => {
      const api = await start((_req, res) => json(res, 200, { ok: true }));

      await expect(clientOf(api.origin).register(REQUEST)).rejects.toMatchObject({
        name: 'ApiError',
        route: 'register',
        status: 200,
      });
    });
  });
});

describe(registerResultOf.name, () => {
  it('throws ApiError when a succeeded operation carries no registration', () => {
    const operation: OperationJson = {
      ...operationJson('op.4'),
      status: 'succeeded',
      result: { x: 1 },
    };

    expect(() => registerResultOf(operation)).toThrow(
      /^unexpected answer to GET \/api\/operations\/\{id\} \(HTTP 200\): the result is not the expected shape/,
    );
  });
});
