#!/usr/bin/env node
// A stand-in for the few kubectl commands deploy/create-secrets.sh runs, keeping Secrets as JSON
// files under $FAKE_KUBECTL_STORE, so the chart tests can run the script and read what it wrote.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';

const store = process.env.FAKE_KUBECTL_STORE;
const args = process.argv.slice(2);
const fileOf = (kind, name) => join(store, `${kind}-${name}.json`);
const positional = args.filter((arg, i) => !arg.startsWith('-') && !['-n', '-o', '-f'].includes(args[i - 1]));
const option = (flag) => args[args.indexOf(flag) + 1];

mkdirSync(store, { recursive: true });
const [verb, kind, ...rest] = positional;
if (verb === 'get' && kind === 'namespace') process.exit(existsSync(fileOf('namespace', rest[0])) ? 0 : 1);
if (verb === 'create' && kind === 'namespace') {
  writeFileSync(fileOf('namespace', rest[0]), '{}');
  process.exit(0);
}
if (verb === 'get' && kind === 'secret') {
  const file = fileOf('secret', rest[0]);
  if (!existsSync(file)) process.exit(1);
  const jsonpath = args.includes('-o') ? option('-o') : undefined;
  const key = jsonpath?.match(/^jsonpath=\{\.data\.(.+)\}$/)?.[1];
  if (key) process.stdout.write(JSON.parse(readFileSync(file, 'utf8')).data[key] ?? '');
  process.exit(0);
}
if (verb === 'create' && kind === 'secret' && rest[0] === 'generic') {
  const data = {};
  for (const arg of args.filter((candidate) => candidate.startsWith('--from-literal='))) {
    const pair = arg.slice('--from-literal='.length);
    const at = pair.indexOf('=');
    data[pair.slice(0, at)] = Buffer.from(pair.slice(at + 1)).toString('base64');
  }
  process.stdout.write(JSON.stringify({ kind: 'Secret', metadata: { name: rest[1] }, data }));
  process.exit(0);
}
if (verb === 'apply' && option('-f') === '-') {
  const secret = JSON.parse(readFileSync(0, 'utf8'));
  writeFileSync(fileOf('secret', secret.metadata.name), JSON.stringify(secret));
  process.exit(0);
}
console.error(`fake kubectl: not understood: ${args.join(' ')}`);
process.exit(2);
