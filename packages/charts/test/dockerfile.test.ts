import { SERVICE_NAMES } from '@adboard/gateway';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from './support/paths.js';

/** The Dockerfile's lines, continuation lines joined and comments dropped. */
function lines(): string[] {
  return readFileSync(repoPath('Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((each) => each.trim())
    .filter(Boolean);
}

/** The instructions before the first FROM (global build arguments). */
const preamble = () =>
  lines().slice(
    0,
    lines().findIndex((line) => /^FROM\s/i.test(line)),
  );

/** The Dockerfile's instructions by stage. */
function stages(): { from: string; instructions: string[] }[] {
  const result: { from: string; instructions: string[] }[] = [];
  for (const line of lines()) {
    if (/^FROM\s/i.test(line)) result.push({ from: line, instructions: [] });
    else result.at(-1)?.instructions.push(line);
  }
  return result;
}

const runtime = () => stages().at(-1)!;
const stage = (name: string) => stages().find((each) => new RegExp(` AS ${name}$`).test(each.from))!;
const copies = (stage: { instructions: string[] }) =>
  stage.instructions
    .filter((line) => /^COPY\s/.test(line))
    .map((line) => line.split(/\s+/).filter((w) => !w.startsWith('--')));

/** Every migrations folder of the repository: packages/<p>/migrations*, app-<s>/migrations. */
function migrationFolders(): string[] {
  const folders: string[] = [];
  for (const parent of ['packages', '.']) {
    for (const entry of readdirSync(repoPath(parent))) {
      const dir = parent === '.' ? entry : `${parent}/${entry}`;
      if (!statSync(repoPath(dir)).isDirectory() || entry.startsWith('.') || entry === 'node_modules')
        continue;
      for (const child of readdirSync(repoPath(dir))) {
        if (/^migrations/.test(child) && statSync(repoPath(dir, child)).isDirectory())
          folders.push(`${dir}/${child}`);
      }
    }
  }
  return folders;
}

describe('Dockerfile', () => {
  it('builds and runs on the official Node.js 24 LTS slim image, unless --build-arg NODE_IMAGE names another', () => {
    // Node 20 reached its end of life in April 2026; 24 is the Active LTS line.
    expect(preamble()).toEqual(['ARG NODE_IMAGE=node:24-bookworm-slim']);
    expect(stages().map((each) => each.from)).toEqual([
      'FROM ${NODE_IMAGE} AS manifests',
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE} AS deps',
      'FROM ${NODE_IMAGE} AS runtime',
    ]);
  });

  it('compiles with tsc -b and ships only the production dependencies of the one service', () => {
    const build = stage('build').instructions.join('\n');
    expect(build).toMatch(/COPY --from=manifests/);
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/npx tsc -b/);
    const deps = stage('deps').instructions.join('\n');
    expect(deps).toMatch(/COPY --from=manifests/);
    expect(deps).toMatch(/npm ci --omit=dev --workspace="\$SERVICE"/);
    expect(runtime().instructions.join('\n')).toMatch(/COPY --from=deps \/app\/node_modules/);
    expect(runtime().instructions.join('\n')).not.toMatch(/npm (ci|install)/);
  });

  it('installs from every workspace manifest of the root package.json', () => {
    const { workspaces } = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const copied = copies(stage('manifests')).map((words) => words[1]);
    for (const workspace of workspaces) expect(copied, workspace).toContain(`${workspace}/package.json`);
  });

  it('copies every migrations folder that exists into the runtime image', () => {
    const sources = copies(runtime()).map((words) => words[1]!);
    const folders = migrationFolders();
    expect(folders).toEqual(
      expect.arrayContaining(['packages/kit/migrations', 'packages/ledger/migrations']),
    );
    for (const folder of folders) {
      // A service's own folder is copied as ${SERVICE}/migrations (the build stage creates it when absent).
      const source = /^app-[\w-]+\/migrations$/.test(folder)
        ? '/app/${SERVICE}/migrations'
        : `/app/${folder}`;
      expect(sources, folder).toContain(source);
    }
  });

  it('copies kit, the service and the workspaces it depends on, which is all a service needs at run time', () => {
    const sources = copies(runtime()).map((words) => words[1]!);
    expect(sources).toEqual(
      expect.arrayContaining(['/app/packages/kit/dist', '/app/${SERVICE}/dist', '/app/node_modules']),
    );
    for (const service of SERVICE_NAMES) {
      const manifest = JSON.parse(readFileSync(repoPath(service, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const workspaceDeps = Object.keys(manifest.dependencies ?? {}).filter((name) =>
        name.startsWith('@adboard/'),
      );
      expect(workspaceDeps, service).toContain('@adboard/kit');
      for (const dependency of workspaceDeps)
        expect(sources, `${service}: copy the other workspaces it needs into the image`).toContain(
          `/app/packages/${dependency.replace('@adboard/', '')}/dist`,
        );
      expect(existsSync(repoPath(service, 'src', 'main.ts')), service).toBe(true);
    }
  });

  it("copies the dependencies npm nests under kit's or the service's own node_modules", () => {
    // npm nests a package under <workspace>/node_modules when the root holds another version of it
    // (kit's jose 6 beside newman's jose 4): without these folders the service cannot start.
    const lock = JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const nested = Object.entries(lock.packages).filter(
      ([path, entry]) =>
        /^(packages\/kit|packages\/gateway|app-[\w-]+)\/node_modules\//.test(path) && !entry.dev,
    );
    expect(nested.map(([path]) => path)).toContain('packages/kit/node_modules/jose');
    const fromDeps = copies(runtime())
      .filter((words) => runtime().instructions.some((line) => line.includes(`--from=deps ${words[1]}`)))
      .map((words) => words[1]);
    expect(fromDeps).toEqual([
      '/app/node_modules',
      '/app/packages/kit/node_modules',
      '/app/${SERVICE}/node_modules',
    ]);
    expect(stage('deps').instructions.join('\n')).toMatch(
      /mkdir -p packages\/kit\/node_modules "\$SERVICE\/node_modules"/,
    );
  });

  it('says when it is healthy: HEALTHCHECK on GET /ready, at the port the service listens on', () => {
    const healthcheck = runtime().instructions.filter((line) => /^HEALTHCHECK\s/.test(line));
    expect(healthcheck).toHaveLength(1);
    expect(healthcheck[0]).toMatch(/CMD \["node", "-e", ".*process\.env\.PORT \?\? 8080.*\/ready/);
  });

  it('runs as the non-root node user, the service chosen by --build-arg SERVICE', () => {
    const instructions = runtime().instructions;
    const users = instructions.filter((line) => /^USER\s/.test(line));
    expect(users).toEqual(['USER node']);
    const userAt = instructions.indexOf('USER node');
    expect(instructions.slice(userAt).some((line) => /^RUN\s/.test(line))).toBe(false);
    expect(instructions).toContain('ARG SERVICE');
    expect(instructions.join('\n')).toMatch(/^CMD \[.*node \\"\$SERVICE\/dist\/src\/main\.js\\".*\]$/m);
  });

  it('keeps host build output and dependencies out of the build context', () => {
    const ignored = readFileSync(repoPath('.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.data']));
  });
});

describe('deploy/build-images.sh', () => {
  const script = readFileSync(repoPath('deploy/build-images.sh'), 'utf8');

  it('builds every service and the gateway, tagged with the appVersion its chart runs', () => {
    expect(/^SERVICES=\((.*)\)$/m.exec(script)?.[1]?.split(' ')).toEqual([...SERVICE_NAMES]);
    const tag = /^TAG=\$\{TAG:-(.+)\}$/m.exec(script)?.[1];
    for (const chart of [...SERVICE_NAMES.map((service) => `${service}/.helm`), 'packages/gateway/.helm']) {
      const manifest = parse(readFileSync(repoPath(chart, 'Chart.yaml'), 'utf8')) as { appVersion: string };
      expect(manifest.appVersion, chart).toBe(tag);
    }
    expect(script).toContain('for service in "${SERVICES[@]}"; do build "$service" "$service"; done');
    expect(script).toContain('build gateway packages/gateway');
    expect(script).toContain(
      'docker build "${options[@]}" --build-arg "SERVICE=$workspace" -t "adboard/$name:$TAG" .',
    );
  });
});
