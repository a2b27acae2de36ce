import { SERVICE_NAMES, type ServiceName } from '@adboard/gateway';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IService } from 'kubernetes-models/v1/Service';
import { Service } from 'kubernetes-models/v1/Service';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { helm } from './helm.js';
import { repoPath } from './paths.js';

export type { IConfigMap, IDeployment, IIngress, INetworkPolicy, IService };

/** The namespace of the install commands (`-n app`). */
export const NAMESPACE = 'app';

export interface Chart {
  /** The release name of its install command. */
  release: string;
  /** The chart folder, relative to the repository root. */
  path: string;
}

/** `helm upgrade --install <service> ./<service>/.helm/ -n app` */
export const appChart = (service: ServiceName): Chart => ({ release: service, path: `${service}/.helm` });

/** `helm upgrade --install app-kafdrop ./.helm/kafdrop -n app` */
export const kafdropChart: Chart = { release: 'app-kafdrop', path: '.helm/kafdrop' };

/** `helm upgrade --install gateway ./packages/gateway/.helm/ -n app` */
export const gatewayChart: Chart = { release: 'gateway', path: 'packages/gateway/.helm' };

export const allCharts: Chart[] = [...SERVICE_NAMES.map(appChart), gatewayChart, kafdropChart];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

const rendered = new Map<string, K8sObject[]>();

/** The chart's objects as `helm template <release> ./<path>/ -n app` renders them (cached per file). */
export function render(chart: Chart): K8sObject[] {
  const known = rendered.get(chart.path);
  if (known) return known;
  const output = helm(['template', chart.release, `./${chart.path}/`, '--namespace', NAMESPACE]);
  const objects = parseAllDocuments(output)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${chart.path}: ${document.errors[0]!.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
  rendered.set(chart.path, objects);
  return objects;
}

/** The chart's objects rendered with extra helm arguments (e.g. `-f values.yaml --set a=b`); not cached. */
export function renderWith(chart: Chart, args: string[]): K8sObject[] {
  const output = helm(['template', chart.release, `./${chart.path}/`, '--namespace', NAMESPACE, ...args]);
  return parseAllDocuments(output)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export function ofKind<T>(objects: K8sObject[], kind: string): (T & K8sObject)[] {
  return objects.filter((object) => object.kind === kind) as (T & K8sObject)[];
}

export function named<T>(objects: K8sObject[], kind: string, name: string): T & K8sObject {
  const found = ofKind<T>(objects, kind).find((object) => object.metadata.name === name);
  if (!found)
    throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`)}`);
  return found;
}

/**
 * Each kind the charts render, validated by its kubernetes-models class (the Kubernetes OpenAPI
 * schema: required fields, types, no unknown fields). A kind missing here fails the test that
 * validates it, so every rendered object is checked.
 */
const MODELS: Record<string, (data: unknown) => void> = {
  'apps/v1/Deployment': (data) => new Deployment(data as IDeployment).validate(),
  'v1/ConfigMap': (data) => new ConfigMap(data as IConfigMap).validate(),
  'v1/Service': (data) => new Service(data as IService).validate(),
  'networking.k8s.io/v1/Ingress': (data) => new Ingress(data as IIngress).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (data) => new NetworkPolicy(data as INetworkPolicy).validate(),
  // The Prometheus Operator's kinds (the charts render them when metrics.*.enabled is set).
  'monitoring.coreos.com/v1/ServiceMonitor': (data) =>
    new ServiceMonitor(data as ConstructorParameters<typeof ServiceMonitor>[0]).validate(),
  'monitoring.coreos.com/v1/PrometheusRule': (data) =>
    new PrometheusRule(data as ConstructorParameters<typeof PrometheusRule>[0]).validate(),
};

export function validateObject(object: K8sObject): void {
  const validate = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!validate) throw new Error(`no kubernetes-models class for ${object.apiVersion} ${object.kind}`);
  validate(object);
}

/** A chart's values.yaml, parsed. */
export function chartValues<T = Record<string, unknown>>(chart: Chart): T {
  return parse(readFileSync(repoPath(chart.path, 'values.yaml'), 'utf8')) as T;
}

/** A YAML file of the repository, parsed. */
export function readYaml<T = Record<string, unknown>>(...path: string[]): T {
  return parse(readFileSync(repoPath(...path), 'utf8')) as T;
}
