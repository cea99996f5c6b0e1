#!/usr/bin/env node
// Writes docs/guides/api-reference.md from orderbus's OpenAPI document: the
// one the admin app serves at /openapi.json (apps/admin/src/openapi).
//
//   node scripts/api-reference.mjs                      from the built admin (apps/admin/dist; npm run build)
//   node scripts/api-reference.mjs --url http://127.0.0.1:8081/openapi.json   from a running admin
//   node scripts/api-reference.mjs --check              exit 1 if the page is not what it would write
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'guides', 'api-reference.md');
const documentModule = join(root, 'apps', 'admin', 'dist', 'openapi', 'document.js');
const require = createRequire(import.meta.url);

async function loadDocument(args) {
  const at = args.indexOf('--url');
  if (at >= 0) {
    const url = args[at + 1];
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url} answered ${res.status}`);
    return res.json();
  }
  if (!existsSync(documentModule)) throw new Error(`${relative(root, documentModule)} is missing: build first (npm run build), or pass --url <admin>/openapi.json`);
  return require(documentModule).openApiDocument();
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const anchor = (name) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function refName(ref) {
  return ref.split('/').pop();
}

/** A short type: `string`, `integer \| string`, `[Subscription](#subscription)[]`, `"a" \| "b"`. */
function typeOf(schema, doc) {
  if (!schema) return '';
  if (schema.$ref) {
    const name = refName(schema.$ref);
    return schema.$ref.startsWith('#/components/schemas/') ? `[${name}](#${anchor(name)})` : name;
  }
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  for (const key of ['oneOf', 'anyOf']) if (schema[key]) return schema[key].map((s) => typeOf(s, doc)).join(' \\| ');
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  return (
    types
      .map((t) => (t === 'array' ? `${typeOf(schema.items, doc) || 'any'}[]` : t))
      .join(' \\| ') || (schema.properties ? 'object' : 'any')
  );
}

function resolve(item, doc) {
  if (!item?.$ref) return item;
  const [, , section, name] = item.$ref.split('/');
  return doc.components?.[section]?.[name];
}

function bodySchema(content) {
  return content?.['application/json']?.schema;
}

function appsOf(operation, doc) {
  const servers = operation.servers ?? doc.servers ?? [];
  return servers.map((s) => s['x-orderbus-app']).filter(Boolean);
}

function operationSection(path, method, operation, doc) {
  const lines = [`### \`${method.toUpperCase()} ${path}\``, ''];
  if (operation.summary) lines.push(`${operation.summary}.`.replace(/\.\.$/, '.'), '');
  if (operation.description) lines.push(operation.description, '');
  const facts = [];
  const apps = appsOf(operation, doc);
  if (apps.length) facts.push(`app: ${apps.join(', ')}`);
  if (operation.security && operation.security.length === 0) facts.push('no credential');
  else if (operation['x-orderbus-role']) facts.push(`role: ${operation['x-orderbus-role']}`);
  if (facts.length) lines.push(`*${facts.join(' · ')}*`, '');

  const parameters = (operation.parameters ?? []).map((p) => resolve(p, doc)).filter(Boolean);
  if (parameters.length) {
    lines.push('| parameter | in | type | required | description |', '|---|---|---|---|---|');
    for (const p of parameters) lines.push(`| \`${p.name}\` | ${p.in} | ${typeOf(p.schema, doc)} | ${p.required ? 'yes' : 'no'} | ${cell(p.description)} |`);
    lines.push('');
  }
  const body = bodySchema(operation.requestBody?.content);
  if (body) lines.push(`Request body${operation.requestBody.required ? '' : ' (optional)'}: ${typeOf(body, doc)}`, '');

  lines.push('| status | meaning | body |', '|---|---|---|');
  for (const [status, raw] of Object.entries(operation.responses ?? {})) {
    const response = resolve(raw, doc) ?? {};
    lines.push(`| ${status} | ${cell(response.description)} | ${typeOf(bodySchema(response.content), doc)} |`);
  }
  lines.push('');
  return lines;
}

function schemaSection(name, schema, doc) {
  const lines = [`### ${name}`, ''];
  if (schema.description) lines.push(schema.description, '');
  const props = schema.properties ?? {};
  if (Object.keys(props).length === 0) {
    lines.push(`Type: ${typeOf(schema, doc)}`, '');
    return lines;
  }
  const required = new Set(schema.required ?? []);
  lines.push('| field | type | required | description |', '|---|---|---|---|');
  for (const [field, prop] of Object.entries(props)) {
    lines.push(`| \`${field}\` | ${typeOf(prop, doc)} | ${required.has(field) ? 'yes' : 'no'} | ${cell(prop.description)} |`);
  }
  lines.push('');
  return lines;
}

export function render(doc) {
  const lines = [
    '# API reference',
    '',
    '<!-- GENERATED by scripts/api-reference.mjs from the OpenAPI document the admin serves at /openapi.json',
    '     (apps/admin/src/openapi). Do not edit: run `node scripts/api-reference.mjs`. A test fails when it is stale. -->',
    '',
    `${doc.info?.title ?? 'orderbus'} ${doc.info?.version ?? ''} — OpenAPI ${doc.openapi}. ${doc.info?.description ?? ''}`.trim(),
    '',
    'The machine-readable document: `GET /openapi.json` on the admin app. Guides: [producer](producer.md),',
    '[subscriber](subscriber.md), [operator](operator.md), [troubleshooting](troubleshooting.md).',
    '',
  ];
  const tags = doc.tags ?? [];
  const byTag = new Map(tags.map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push([path, method, operation]);
    }
  }
  for (const [tag, operations] of byTag) {
    if (operations.length === 0) continue;
    const description = tags.find((t) => t.name === tag)?.description;
    lines.push(`## ${tag}${description ? `: ${description}` : ''}`, '');
    for (const [path, method, operation] of operations) lines.push(...operationSection(path, method, operation, doc));
  }
  lines.push('## Schemas', '');
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) lines.push(...schemaSection(name, schema, doc));
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  try {
    const text = render(await loadDocument(args));
    if (args.includes('--check')) {
      const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
      if (current !== text) {
        process.stderr.write(`${relative(root, target)} is out of date with the OpenAPI document: run node scripts/api-reference.mjs\n`);
        process.exit(1);
      }
      process.stdout.write(`${relative(root, target)} is up to date\n`);
    } else {
      writeFileSync(target, text);
      process.stdout.write(`wrote ${relative(root, target)}\n`);
    }
  } catch (err) {
    process.stderr.write(`api-reference: ${err.message}\n`);
    process.exit(2);
  }
}
