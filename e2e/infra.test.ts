import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parseRedisUrl } from '@orderbus/queues';
import { Redis } from 'ioredis';
import { REDIS_CONF, appNodeFlags, startRedisServer } from '@orderbus/testkit';
import { readAdminEnv } from '../apps/admin/src/env';
import { readDemoSubscriberEnv } from '../apps/demo-subscriber/src/env';
import { readProducerEnv } from '../apps/producer/src/env';
import { readWorkerEnv } from '../apps/worker/src/env';

/**
 * The deployable infrastructure, checked without a container engine:
 * Dockerfile, docker-compose.yml and the Kubernetes manifests are parsed,
 * validated against their schemas and cross-checked against each other and
 * against the apps' own configuration schemas.
 */

const root = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const APPS = ['producer', 'admin', 'worker', 'demo-subscriber'] as const;
type App = (typeof APPS)[number];
const readEnv: Record<App, (env: NodeJS.ProcessEnv) => unknown> = {
  producer: readProducerEnv,
  admin: readAdminEnv,
  worker: readWorkerEnv,
  'demo-subscriber': readDemoSubscriberEnv,
};

interface Stage {
  name: string;
  from: string;
  instructions: Array<{ keyword: string; args: string }>;
}

/** The stages of a Dockerfile, with their instructions (continuation lines joined, comments dropped). */
function dockerfileStages(text: string): Stage[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) stages.push({ name: from[2] ?? '', from: from[1]!, instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

/** `${VAR:-default}` and `${VAR}` as docker compose interpolates them, from an empty environment. */
function interpolate(value: unknown): string {
  return String(value).replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name: string, fallback?: string) => fallback ?? '');
}

describe('Dockerfile', () => {
  const stages = dockerfileStages(read('Dockerfile'));
  const stage = (name: string): Stage => {
    const found = stages.find((s) => s.name === name);
    if (!found) throw new Error(`no stage ${name}`);
    return found;
  };
  const args = (s: Stage, keyword: string): string[] => s.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

  it.each(APPS)('the %s image runs the dist entry that `npm run build` produces', (app) => {
    const cmd = args(stage(app), 'CMD');
    expect(cmd).toHaveLength(1);
    // With the Node flags the app declares (package.json "orderbus.nodeFlags"), as every launcher passes them.
    expect(JSON.parse(cmd[0]!)).toEqual(['node', ...appNodeFlags(root, app), `apps/${app}/dist/main.js`]);
    const build = JSON.parse(read(`apps/${app}/tsconfig.build.json`)) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(root, 'apps', app, 'src', 'main.ts'))).toBe(true);
    expect(existsSync(join(root, 'apps', app, 'dist', 'main.js'))).toBe(true);
    // The runtime tree the image copies is that app's pnpm deploy output, laid out as in the repo.
    expect(args(stage(app), 'COPY')).toEqual([`--from=build /prod/${app} /app`]);
    expect(args(stage('build'), 'RUN').join('\n')).toMatch(new RegExp(`--filter=@orderbus/${app}\\.\\.\\.`));
  });

  it.each(APPS)('the %s image checks its own /healthz on the port it is told to listen on', (app) => {
    const s = stage(app);
    const [healthcheck] = args(s, 'HEALTHCHECK');
    expect(healthcheck).toMatch(/\/healthz/);
    const portVariable = /process\.env\.([A-Z_]+)/.exec(healthcheck!)![1]!;
    const env = args(s, 'ENV').join(' ');
    const port = new RegExp(`${portVariable}=(\\d+)`).exec(env)?.[1];
    expect(port).toBeDefined();
    expect(args(s, 'EXPOSE')).toEqual([port]);
    expect(s.from).toBe('runtime');
  });

  it('builds with the pinned pnpm from the lockfile and runs as an unprivileged user on node 20', () => {
    const packageManager = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager;
    const build = stage('build');
    expect(args(build, 'ARG')).toContain(`PNPM_VERSION=${packageManager.replace('pnpm@', '')}`);
    const runs = args(build, 'RUN').join('\n');
    expect(runs).toMatch(/pnpm install --offline --frozen-lockfile/);
    expect(runs).toMatch(/deploy --prod/);
    expect(args(build, 'COPY')[0]).toMatch(/pnpm-lock\.yaml/);
    expect(stages[0]!.from).toBe('${NODE_IMAGE}');
    expect(read('Dockerfile')).toMatch(/^ARG NODE_IMAGE=node:20-slim$/m);
    expect(args(stage('runtime'), 'USER')).toEqual(['node']);
  });

  it('leaves local build output, dependencies and data out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['.git', '**/node_modules', '**/dist', '.data', '.tools']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, any>;
    volumes: Record<string, unknown>;
  };
  const stageNames = dockerfileStages(read('Dockerfile')).map((s) => s.name);

  it('is accepted by `docker compose config` where Docker Compose is installed', () => {
    const version = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (version.status !== 0) {
      // No Compose here: the structural checks below stand in for it.
      expect(Object.keys(compose.services)).toHaveLength(5);
      return;
    }
    const config = spawnSync('docker', ['compose', '-f', join(root, 'docker-compose.yml'), 'config', '--quiet'], { encoding: 'utf8' });
    expect(config.stderr).toBe('');
    expect(config.status).toBe(0);
  });

  it('runs Redis with the AOF settings of infra/redis/redis.conf on a named volume', () => {
    const redis = compose.services.redis;
    const [confMount, dataMount] = redis.volumes as string[];
    const [source, target] = confMount!.split(':');
    expect(source).toBe('./infra/redis/redis.conf');
    expect(existsSync(join(root, source!))).toBe(true);
    expect(redis.command).toEqual(expect.arrayContaining(['redis-server', target]));
    const [volume, dataDir] = dataMount!.split(':');
    expect(compose.volumes).toHaveProperty(volume!);
    expect(redis.command).toEqual(expect.arrayContaining(['--dir', dataDir]));
    expect(redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it.each(APPS)('builds %s from its Dockerfile target, with a healthcheck and an environment its app accepts', (app) => {
    const service = compose.services[app];
    expect(service.build).toEqual({ context: '.', dockerfile: 'Dockerfile', target: app });
    expect(stageNames).toContain(app);
    const env = Object.fromEntries(Object.entries(service.environment as Record<string, unknown>).map(([k, v]) => [k, interpolate(v)]));
    expect(() => readEnv[app](env)).not.toThrow();
    const port = env.ORDERBUS_PRODUCER_PORT ?? env.ORDERBUS_ADMIN_PORT ?? env.ORDERBUS_WORKER_PORT ?? env.DEMO_SUBSCRIBER_PORT;
    expect(service.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${port}/`);
    if (app !== 'demo-subscriber') {
      expect(service.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
      const target = parseRedisUrl(env.ORDERBUS_REDIS_URL!);
      expect(target).toEqual({ kind: 'single', url: 'redis://redis:6379' });
    }
  });

  it('runs two delivery workers that drain before they are stopped', () => {
    expect(compose.services.worker.deploy.replicas).toBe(2);
    const drainMs = (readWorkerEnv({ ORDERBUS_REDIS_URL: 'redis://redis:6379' }) as { ORDERBUS_DRAIN_TIMEOUT_MS: number }).ORDERBUS_DRAIN_TIMEOUT_MS;
    expect(Number.parseInt(compose.services.worker.stop_grace_period, 10) * 1000).toBeGreaterThan(drainMs);
  });
});

describe('Kubernetes manifests (infra/k8s)', () => {
  const dir = join(root, 'infra', 'k8s');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const objects = files
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
        return { file, object: doc.toJS() as any };
      }),
    );
  const ofKind = (kind: string): any[] => objects.filter((o) => o.object.kind === kind).map((o) => o.object);
  const named = (kind: string, name: string): any => {
    const found = ofKind(kind).find((o) => o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found;
  };
  const secretValues = (): Record<string, string> => named('Secret', 'orderbus-secrets').stringData;

  it('lists every manifest in kustomization.yaml', () => {
    const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[]; namespace: string };
    expect([...kustomization.resources].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
    expect(objects.every((o) => o.object.kind === 'Namespace' || o.object.metadata.namespace === kustomization.namespace)).toBe(true);
  });

  it('validates every object against the Kubernetes API schema', () => {
    const models: Record<string, new (data: any) => { validate(): void }> = {
      'v1/Namespace': Namespace,
      'v1/ConfigMap': ConfigMap,
      'v1/Secret': Secret,
      'v1/Service': Service,
      'apps/v1/Deployment': Deployment,
      'apps/v1/StatefulSet': StatefulSet,
    };
    expect(objects.length).toBeGreaterThanOrEqual(10);
    for (const { file, object } of objects) {
      const Model = models[`${object.apiVersion}/${object.kind}`];
      if (!Model) throw new Error(`${file}: no schema for ${object.apiVersion} ${object.kind}`);
      expect(() => new Model(object).validate()).not.toThrow();
    }
    // The schema check is real: a wrong type is refused.
    const broken = structuredClone(named('Deployment', 'orderbus-worker'));
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken).validate()).toThrow(/replicas/);
  });

  it.each(['producer', 'admin', 'worker'] as const)('runs %s with probes on /healthz and /readyz, resources, a non-root user and an environment it accepts', (app) => {
    const deployment = named('Deployment', `orderbus-${app}`);
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const [container] = pod.containers;
    expect(container.image).toMatch(new RegExp(`^orderbus/${app}:`));
    const portNames = container.ports.map((p: { name: string }) => p.name);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(portNames).toContain('http');
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });

    // The environment as Kubernetes builds it: the ConfigMap, then env with secrets and $(VAR) expanded.
    const env: Record<string, string> = {};
    for (const from of container.envFrom) Object.assign(env, named('ConfigMap', from.configMapRef.name).data);
    for (const entry of container.env) {
      if (entry.valueFrom) {
        const ref = entry.valueFrom.secretKeyRef;
        expect(ref.name).toBe('orderbus-secrets');
        expect(secretValues()).toHaveProperty(ref.key);
        env[entry.name] = secretValues()[ref.key]!;
      } else {
        env[entry.name] = String(entry.value).replace(/\$\(([A-Z_]+)\)/g, (_m, name: string) => env[name] ?? '');
      }
    }
    expect(() => readEnv[app](env)).not.toThrow();
    const port = Number(env[`ORDERBUS_${app.toUpperCase()}_PORT`]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
    // Redis is the in-cluster one, with the Secret's password.
    const target = parseRedisUrl(env.ORDERBUS_REDIS_URL!);
    expect(target.kind).toBe('single');
    const url = new URL(env.ORDERBUS_REDIS_URL!);
    expect(url.password).toBe(secretValues().REDIS_PASSWORD);
    expect(named('Service', url.hostname).spec.ports[0].port).toBe(Number(url.port));
  });

  it('runs two workers that have time to drain on shutdown', () => {
    const worker = named('Deployment', 'orderbus-worker');
    expect(worker.spec.replicas).toBe(2);
    const drain = worker.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'ORDERBUS_DRAIN_TIMEOUT_MS');
    expect(worker.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(drain.value));
  });

  it('routes every Service to the pods of one workload, on a port they declare', () => {
    const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')];
    for (const service of ofKind('Service')) {
      const matching = workloads.filter((w) =>
        Object.entries(service.spec.selector as Record<string, string>).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
      );
      expect(matching.map((w) => w.metadata.name)).toEqual([service.metadata.name]);
      const declared = matching[0].spec.template.spec.containers.flatMap((c: { ports: Array<{ name: string }> }) => c.ports.map((p) => p.name));
      for (const port of service.spec.ports) expect(declared).toContain(port.targetPort);
    }
    expect(ofKind('Service').map((s) => s.metadata.name).sort()).toEqual(['orderbus-admin', 'orderbus-producer', 'orderbus-redis']);
  });

  it('runs Redis as a StatefulSet with infra/redis/redis.conf as a ConfigMap and its data on a persistent volume', () => {
    const redis = named('StatefulSet', 'orderbus-redis');
    expect(redis.spec.serviceName).toBe('orderbus-redis');
    const pod = redis.spec.template.spec;
    const [container] = pod.containers;
    const mounts = Object.fromEntries(container.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
    const configVolume = pod.volumes.find((v: { name: string }) => v.name === 'config');
    const configMap = named('ConfigMap', configVolume.configMap.name);
    expect(configMap.data['redis.conf']).toBe(read('infra/redis/redis.conf'));
    expect(container.args).toEqual(expect.arrayContaining([`${mounts.config}/redis.conf`, '--dir', mounts.data]));
    const [claim] = redis.spec.volumeClaimTemplates;
    expect(claim.metadata.name).toBe('data');
    expect(claim.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
    expect(container.readinessProbe.exec.command).toEqual(['redis-cli', 'ping']);
    expect(container.env.map((e: { valueFrom: { secretKeyRef: { key: string } } }) => e.valueFrom.secretKeyRef.key)).toEqual(['REDIS_PASSWORD', 'REDIS_PASSWORD']);
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  it('keeps the tokens and the Redis password in one Secret', () => {
    expect(Object.keys(secretValues()).sort()).toEqual(['ORDERBUS_ADMIN_TOKENS', 'ORDERBUS_PRODUCER_KEYS', 'REDIS_PASSWORD']);
    expect(secretValues().REDIS_PASSWORD).toMatch(/^[A-Za-z0-9]+$/);
  });
});

describe('infra/redis/redis.conf', () => {
  /** `directive value` lines of the file (comments and blank lines dropped; `""` is the empty value). */
  const directives = read('infra/redis/redis.conf')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const at = line.indexOf(' ');
      return [line.slice(0, at), line.slice(at + 1).replace(/^""$/, '')] as const;
    });
  const UNITS: Record<string, number> = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
  /** A value as CONFIG GET answers it: sizes in bytes. */
  const asConfigValue = (value: string): string => {
    const size = /^(\d+)(kb|mb|gb)$/i.exec(value);
    return size ? String(Number(size[1]) * UNITS[size[2]!.toLowerCase()]!) : value;
  };

  it('is the file testkit starts every test and bench Redis with, through a file of its own', async () => {
    expect(REDIS_CONF).toBe(join(root, 'infra', 'redis', 'redis.conf'));
    expect(directives.length).toBeGreaterThan(5);
    const server = await startRedisServer();
    const client = new Redis(server.url);
    try {
      for (const [name, value] of directives) {
        const [, actual] = (await client.config('GET', name)) as string[];
        expect({ name, value: actual }).toEqual({ name, value: asConfigValue(value) });
      }
      // Through a file of the server's own that includes it: a CONFIG REWRITE never edits the repository's copy.
      expect(/config_file:(.*)\r\n/.exec(await client.info('server'))?.[1]).toBe(join(server.dir, 'redis.conf'));
    } finally {
      await client.quit();
      await server.stop();
    }
  });
});
