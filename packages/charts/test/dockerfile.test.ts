import { SERVICE_NAMES } from '@adboard/gateway';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoPath } from './support/paths.js';

/** The Dockerfile's instructions, continuation lines joined and comments dropped, by stage. */
function stages(): { from: string; instructions: string[] }[] {
  const text = readFileSync(repoPath('Dockerfile'), 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const result: { from: string; instructions: string[] }[] = [];
  for (const line of text.split('\n').map((each) => each.trim())) {
    if (!line) continue;
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
  it('builds on node:20 and runs on a slim node:20 image', () => {
    expect(stages().length).toBeGreaterThanOrEqual(2);
    expect(stage('build').from).toMatch(/^FROM node:20(-[\w.]+)? AS build$/);
    expect(runtime().from).toMatch(/^FROM node:20-[\w.-]*slim AS runtime$/);
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
      expect.arrayContaining(['packages/kit/migrations', 'packages/kit/migrations-ledger']),
    );
    for (const folder of folders) {
      // A service's own folder is copied as ${SERVICE}/migrations (the build stage creates it when absent).
      const source = /^app-[\w-]+\/migrations$/.test(folder)
        ? '/app/${SERVICE}/migrations'
        : `/app/${folder}`;
      expect(sources, folder).toContain(source);
    }
  });

  it('copies kit and the service, which is all a service needs at run time', () => {
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
      expect(workspaceDeps, `${service}: copy the other workspaces it needs into the image`).toEqual([
        '@adboard/kit',
      ]);
      expect(existsSync(repoPath(service, 'src', 'main.ts')), service).toBe(true);
    }
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

  it('builds every service, tagged with the appVersion its chart runs', () => {
    expect(/^SERVICES=\((.*)\)$/m.exec(script)?.[1]?.split(' ')).toEqual([...SERVICE_NAMES]);
    const tag = /^TAG=\$\{TAG:-(.+)\}$/m.exec(script)?.[1];
    for (const service of SERVICE_NAMES) {
      const chart = parse(readFileSync(repoPath(service, '.helm', 'Chart.yaml'), 'utf8')) as {
        appVersion: string;
      };
      expect(chart.appVersion, service).toBe(tag);
    }
    expect(script).toContain('docker build --build-arg "SERVICE=$service" -t "adboard/$service:$TAG" .');
  });
});
