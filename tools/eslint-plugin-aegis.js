// Local ESLint rules that make the architecture executable (see docs/adr/0001-layout-and-layers.md).
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');

/** Which top-level folders under src/ each layer may import from (itself is always allowed). */
export const ALLOWED = {
  core: [],
  domain: ['core'],
  config: ['core', 'domain'],
  data: ['core', 'domain'],
  brain: ['core', 'domain'],
  trade: ['core', 'domain'],
  venues: ['core', 'domain'],
  store: ['core', 'domain'],
  app: ['core', 'domain', 'config', 'data', 'brain', 'trade', 'venues', 'store'],
  cli: ['core', 'domain', 'config', 'data', 'brain', 'trade', 'venues', 'store', 'app'],
};

/** Packages that do I/O; the pure layers may not import them. */
const IO_MODULES = [
  'fs',
  'net',
  'http',
  'https',
  'http2',
  'tls',
  'dgram',
  'child_process',
  'worker_threads',
  'cluster',
  'ws',
  'pg',
  'better-sqlite3',
  'ioredis',
  'pino',
  'undici',
];
const PURE_LAYERS = new Set(['core', 'domain', 'data', 'brain', 'trade']);

function layerOf(absFile) {
  const rel = path.relative(SRC, absFile);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const first = rel.split(path.sep)[0];
  return first in ALLOWED ? first : undefined;
}

function checkSpecifier(context, node, spec) {
  const file = context.filename;
  if (/\.test\.ts$/.test(file)) return; // tests compose freely
  const from = layerOf(file);
  if (from === undefined) return;
  if (spec.startsWith('.')) {
    const target = layerOf(path.resolve(path.dirname(file), spec));
    if (target === undefined || target === from) return;
    if (!ALLOWED[from].includes(target)) {
      context.report({
        node,
        message: `Layer violation: src/${from} may not import src/${target} ('${spec}'). Allowed: ${[from, ...ALLOWED[from]].join(', ')}.`,
      });
    }
    return;
  }
  if (PURE_LAYERS.has(from)) {
    const bare = spec.replace(/^node:/, '').split('/')[0];
    if (IO_MODULES.includes(bare)) {
      context.report({
        node,
        message: `I/O module '${spec}' may not be imported by the pure layer src/${from}; inject a port from src/app instead.`,
      });
    }
  }
}

const layers = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    return {
      ImportDeclaration(node) {
        checkSpecifier(context, node, node.source.value);
      },
      ExportNamedDeclaration(node) {
        if (node.source) checkSpecifier(context, node, node.source.value);
      },
      ExportAllDeclaration(node) {
        checkSpecifier(context, node, node.source.value);
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal' && typeof node.source.value === 'string') {
          checkSpecifier(context, node, node.source.value);
        }
      },
    };
  },
};

export default { rules: { layers } };
