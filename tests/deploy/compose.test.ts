/**
 * The deployment files against the repository, since no Docker engine runs here: every compose
 * service starts a real Dockerfile target, every target runs a file compiled from a real source
 * with the build output of every package it needs, every variable compose sets or a process
 * reads is documented in `.env.example`, and compose's values parse with the processes' own
 * config schemas (queue prefix with a hash tag, grace period above the shutdown timeout).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AdminEnv } from '@cp/admin';
import { ApiEnv, loadApiConfig } from '@cp/api';
import { CascadeWorkerEnv, loadCascadeWorkerConfig } from '@cp/cascade-worker';
import {
  type Env,
  loadSharedConfig,
  parseEnv,
  type SharedConfig,
  sharedEnvShape,
} from '@cp/platform';
import { loadRegistryWorkerConfig, RegistryWorkerEnv } from '@cp/registry-worker';
import { parse } from 'yaml';
import { z } from 'zod';

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const exists = (file: string): boolean => existsSync(path.join(ROOT, file));

// ---------------------------------------------------------------------------------------------
// The processes compose runs: service name = Dockerfile target, with the env schema the process
// parses and its config loader. The admin CLI runs by hand (`docker compose run api node
// services/admin/dist/main.js ...`) and reads only DATABASE_URL.

const SharedEnv = z.object(sharedEnvShape);

const PROCESSES: Record<string, { schema: z.ZodObject; load: (env: Env) => SharedConfig }> = {
  migrate: { schema: SharedEnv, load: loadSharedConfig },
  api: { schema: ApiEnv, load: loadApiConfig },
  'registry-worker': { schema: RegistryWorkerEnv, load: loadRegistryWorkerConfig },
  'cascade-worker': { schema: CascadeWorkerEnv, load: loadCascadeWorkerConfig },
};

/** Every flat env schema a deployed process or tool parses. */
const ENV_SCHEMAS: z.ZodObject[] = [
  SharedEnv,
  ApiEnv,
  RegistryWorkerEnv,
  CascadeWorkerEnv,
  AdminEnv,
];

// ---------------------------------------------------------------------------------------------
// docker-compose.yml, parsed (merge keys resolved) and checked to have the shape read below.

const Duration = z.string().regex(/^(\d+(\.\d+)?(h|ms|m|s|us|ns))+$/, 'a compose duration');
const ComposeService = z.object({
  image: z.string().optional(),
  build: z.object({ context: z.string(), target: z.string() }).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  container_name: z.string().optional(),
  restart: z.string().optional(),
  stop_grace_period: Duration.optional(),
  environment: z.record(z.string(), z.string()).optional(),
  ports: z.array(z.string()).optional(),
  expose: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
  healthcheck: z.object({ test: z.array(z.string()) }).optional(),
});
type ComposeService = z.infer<typeof ComposeService>;
const Compose = z.object({ services: z.record(z.string(), ComposeService) });

const compose = Compose.parse(parse(read('docker-compose.yml'), { merge: true }));
const services = Object.entries(compose.services);
/** Services built from this repository (ours), as opposed to postgres and redis. */
const apps = services.filter(([, service]) => service.build !== undefined);
/** Apps that keep running (all but the one-shot migrate). */
const longRunning = apps.filter(([name]) => name !== 'migrate');
const serviceNamed = (name: string): ComposeService => {
  const service = compose.services[name];
  if (!service) {
    throw new Error(`docker-compose.yml has no service ${name}`);
  }
  return service;
};

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}`, with the host environment empty. */
const interpolate = (value: string): string =>
  value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g, (_m, _name, fallback) =>
    typeof fallback === 'string' ? fallback : '',
  );
const interpolated = (value: string): string[] =>
  [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');

/** A service's environment as its process sees it. */
const envOf = (service: ComposeService): Env =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(value)]),
  );

const processOf = (name: string) => {
  const known = PROCESSES[name];
  if (!known) {
    throw new Error(`no process is known for compose service ${name}`);
  }
  return known;
};

// ---------------------------------------------------------------------------------------------
// .env.example: `KEY=value` lines; an optional variable may be documented commented out.

const envLines = read('.env.example')
  .split('\n')
  .map((text) => /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(text.trim()))
  .filter((m): m is RegExpExecArray => m !== null);
/** Every variable `.env.example` names, set or commented out. */
const documented = new Set(envLines.map((m) => m[2] ?? ''));
/** The variables `.env.example` sets, as a process would read the file. */
const envExample: Env = Object.fromEntries(
  envLines.filter((m) => m[1] === undefined).map((m) => [m[2] ?? '', m[3] ?? '']),
);

// ---------------------------------------------------------------------------------------------
// The Dockerfile: stages, and per stage its instructions (continuation lines joined).

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  name: string;
  base: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const l of logical) {
    const [op = '', ...rest] = l.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m?.[1]) {
        throw new Error(`unreadable FROM: ${l}`);
      }
      stages.push({ name: m[2] ?? `#${stages.length}`, base: m[1], instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (!stage) {
        throw new Error(`instruction before FROM: ${l}`);
      }
      stage.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

const stages = parseDockerfile(read('Dockerfile'));
const stageNamed = (name: string): Stage => {
  const stage = stages.find((s) => s.name === name);
  if (!stage) {
    throw new Error(`the Dockerfile has no stage ${name}`);
  }
  return stage;
};
/** A stage and the stages it is built FROM, nearest first. */
function chainOf(name: string): Stage[] {
  const chain: Stage[] = [];
  for (let stage = stages.find((s) => s.name === name); stage;) {
    chain.push(stage);
    const base = stage.base;
    stage = stages.find((s) => s.name === base);
  }
  return chain;
}
const ops = (stage: Stage, op: string): string[] =>
  stage.instructions.filter((i) => i.op === op).map((i) => i.args);

interface Copy {
  from?: string;
  sources: string[];
  dest: string;
}
function copiesOf(stage: Stage): Copy[] {
  return ops(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
    const paths = words.filter((w) => !w.startsWith('--'));
    return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' };
  });
}

/** The command a target runs: its own CMD or the nearest inherited one. */
function cmdOf(target: string): string[] {
  for (const stage of chainOf(target)) {
    const cmd = ops(stage, 'CMD').at(-1);
    if (cmd !== undefined) {
      return z.array(z.string()).parse(JSON.parse(cmd));
    }
  }
  throw new Error(`target ${target} has no CMD`);
}

// ---------------------------------------------------------------------------------------------
// Workspaces: the root package.json's globs, expanded as npm expands them.

const RootPackage = z.object({ workspaces: z.array(z.string()) });
const Package = z.object({
  name: z.string(),
  dependencies: z.record(z.string(), z.string()).optional(),
});
const workspaceDirs: string[] = RootPackage.parse(
  JSON.parse(read('package.json')),
).workspaces.flatMap((glob) =>
  glob.endsWith('/*')
    ? readdirSync(path.join(ROOT, glob.slice(0, -2)))
        .map((entry) => `${glob.slice(0, -2)}/${entry}`)
        .filter((dir) => exists(`${dir}/package.json`))
    : [glob],
);
const packageDir = new Map(
  workspaceDirs.map((dir) => [Package.parse(JSON.parse(read(`${dir}/package.json`))).name, dir]),
);

/** A workspace and every workspace it depends on at run time, transitively. */
function runtimeWorkspaces(dir: string, seen = new Set<string>()): Set<string> {
  seen.add(dir);
  const { dependencies = {} } = Package.parse(JSON.parse(read(`${dir}/package.json`)));
  for (const name of Object.keys(dependencies)) {
    const depDir = packageDir.get(name);
    if (depDir && !seen.has(depDir)) {
      runtimeWorkspaces(depDir, seen);
    }
  }
  return seen;
}

const TsConfig = z.object({
  compilerOptions: z.object({ rootDir: z.string(), outDir: z.string() }).partial().optional(),
  references: z.array(z.object({ path: z.string() })).optional(),
});
const builtByTscB = new Set(
  (TsConfig.parse(JSON.parse(read('tsconfig.json'))).references ?? []).map((r) =>
    path.normalize(r.path),
  ),
);

/** Parses a compose duration (`30s`, `1m30s`, `500ms`) into milliseconds. */
function durationMs(value: string): number {
  const unit: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1_000,
    ms: 1,
    us: 1e-3,
    ns: 1e-6,
  };
  let total = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)/g)) {
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? Number.NaN);
  }
  return total;
}

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml and the Dockerfile', () => {
  it('runs postgres 15, redis 7 with AOF persistence, migrate, the api and both workers', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(Object.keys(PROCESSES).sort());
    expect(serviceNamed('postgres').image).toMatch(/^postgres:15(\.|-|$)/);
    const redis = serviceNamed('redis');
    expect(redis.image).toMatch(/^redis:7(\.|-|$)/);
    const command = redis.command ?? [];
    const words = Array.isArray(command) ? command : command.split(/\s+/);
    expect(words[words.indexOf('--appendonly') + 1]).toBe('yes');
    expect(redis.volumes?.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it.each(apps)('%s builds a target of the Dockerfile', (name, service) => {
    expect(service.build).toEqual({ context: '.', target: name });
    expect(stageNamed(name).name).toBe(name);
    expect(service.command).toBeUndefined();
  });

  it.each(apps)(
    '%s runs a file compiled from a real source, with every package it needs',
    (name) => {
      const [node, entry = '', ...rest] = cmdOf(name);
      expect(node).toBe('node');
      expect(rest.every((arg) => !arg.includes('/'))).toBe(true);
      const m = /^(.+)\/dist\/(.+)\.js$/.exec(entry);
      expect(m).not.toBeNull();
      const [, dir = '', file = ''] = m ?? [];
      // The source exists, its package compiles src/ to dist/, and `tsc -b` builds that package.
      expect(exists(`${dir}/src/${file}.ts`)).toBe(true);
      const tsconfig = TsConfig.parse(JSON.parse(read(`${dir}/tsconfig.json`)));
      expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      expect(builtByTscB.has(dir)).toBe(true);

      // The image holds that package's build output and that of every workspace it depends on,
      // copied from the stage that runs `tsc -b`.
      const copies = chainOf(name).flatMap(copiesOf);
      for (const needed of runtimeWorkspaces(dir)) {
        const copy = copies.find((c) => c.dest === `${needed}/dist`);
        expect({ needed, source: copy?.sources }).toEqual({
          needed,
          source: [`/app/${needed}/dist`],
        });
        const from = stageNamed(copy?.from ?? '');
        expect(ops(from, 'RUN').some((run) => /\btsc -b\b/.test(run))).toBe(true);
      }
    },
  );

  it('gives npm ci every workspace package.json, and tsc -b every workspace source', () => {
    const manifests = stages.flatMap(copiesOf).flatMap((c) => c.sources);
    for (const dir of workspaceDirs) {
      expect({ dir, copied: manifests.includes(`${dir}/package.json`) }).toEqual({
        dir,
        copied: true,
      });
    }
    const build = stages.find((s) => ops(s, 'RUN').some((run) => /\btsc -b\b/.test(run)));
    expect(build).toBeDefined();
    const sources = chainOf(build?.name ?? '')
      .flatMap(copiesOf)
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources);
    for (const dir of builtByTscB) {
      const covered = sources.some((src) => dir === src || dir.startsWith(`${src}/`));
      expect({ dir, covered }).toEqual({ dir, covered: true });
    }
    // npm ci runs after the manifests are in place, in the stage chain that builds.
    const chain = chainOf(build?.name ?? '').reverse();
    const steps = chain.flatMap((s) => s.instructions);
    const ci = steps.findIndex((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const lock = steps.findIndex((i) => i.op === 'COPY' && i.args.includes('package-lock.json'));
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(lock);
  });

  it.each(apps)(
    '%s runs on node:20-slim, as a non-root user, with production dependencies only',
    (name) => {
      const chain = chainOf(name);
      const base = chain.at(-1)?.base;
      expect(base).toBe('node:20-slim');
      const user = chain.map((s) => ops(s, 'USER').at(-1)).find((u) => u !== undefined);
      expect(user).toBeDefined();
      expect(['root', '0', '0:0']).not.toContain(user);
      const modules = chain.flatMap(copiesOf).filter((c) => c.from !== undefined);
      const deps = modules.find(
        (c) => c.sources.includes('/app') || c.sources.includes('/app/node_modules'),
      );
      expect(deps).toBeDefined();
      const depsStage = stageNamed(deps?.from ?? '');
      expect(chainOf(depsStage.name).flatMap((s) => ops(s, 'RUN'))).toContainEqual(
        expect.stringMatching(/\bnpm ci\b.*--omit=dev\b/),
      );
      expect(chain.flatMap((s) => ops(s, 'ENV'))).toContainEqual(
        expect.stringMatching(/^NODE_ENV=production$/),
      );
    },
  );

  it('sets only variables that .env.example documents', () => {
    for (const [name, service] of apps) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        expect({ service: name, key, documented: documented.has(key) }).toEqual({
          service: name,
          key,
          documented: true,
        });
        for (const hostVariable of interpolated(value)) {
          expect({ key, hostVariable, documented: documented.has(hostVariable) }).toEqual({
            key,
            hostVariable,
            documented: true,
          });
        }
      }
    }
  });

  it('documents in .env.example every variable a process reads, and no other', () => {
    const parsed = new Set(ENV_SCHEMAS.flatMap((schema) => Object.keys(schema.shape)));
    expect([...parsed].filter((key) => !documented.has(key)).sort()).toEqual([]);
    expect([...documented].filter((key) => !parsed.has(key)).sort()).toEqual([]);
  });

  it.each(Object.keys(PROCESSES))('.env.example parses with the %s config', (name) => {
    const config = processOf(name).load(envExample);
    expect(config.queue.prefix).toMatch(/^\{[^{}]+\}$/);
  });

  it.each(apps)(
    '%s has an environment its config accepts, with a hash-tagged queue prefix',
    (name, service) => {
      const config = processOf(name).load(envOf(service));
      // A Redis Cluster hash tag: every key of a queue lands in one slot.
      expect(config.queue.prefix).toMatch(/^\{[^{}]+\}$/);
    },
  );

  it.each(longRunning)(
    '%s stops within its grace period: longer than SHUTDOWN_TIMEOUT_MS',
    (name, service) => {
      const config = processOf(name).load(envOf(service));
      expect(service.stop_grace_period).toBeDefined();
      expect(durationMs(service.stop_grace_period ?? '0s')).toBeGreaterThan(
        config.shutdownTimeoutMs,
      );
    },
  );

  it.each(longRunning)('%s has a healthcheck on the port it listens on', (name, service) => {
    const probe = (service.healthcheck?.test ?? []).join(' ');
    const port = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(probe)?.[1];
    expect(port).toBeDefined();
    const parsed: Record<string, unknown> = parseEnv(processOf(name).schema, envOf(service));
    const ports = Object.entries(parsed)
      .filter(([key]) => key.endsWith('_PORT'))
      .map(([, value]) => String(value));
    expect(ports).toContain(port);
  });

  it('starts in order: postgres healthy, then migrate, then the apps', () => {
    const migrate = serviceNamed('migrate');
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const [name, service] of longRunning) {
      expect({ name, depends_on: service.depends_on }).toEqual({
        name,
        depends_on: {
          migrate: { condition: 'service_completed_successfully' },
          redis: { condition: 'service_healthy' },
        },
      });
    }
    for (const [, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (condition === 'service_healthy') {
          expect(serviceNamed(dependency).healthcheck).toBeDefined();
        }
      }
    }
  });

  it('lets workers scale: no container_name and no published host port', () => {
    for (const [name, service] of services) {
      expect({ name, container_name: service.container_name }).toEqual({
        name,
        container_name: undefined,
      });
    }
    for (const name of ['registry-worker', 'cascade-worker']) {
      expect(serviceNamed(name).ports).toBeUndefined();
    }
  });
});
