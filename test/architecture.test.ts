/**
 * The structure DESIGN.md draws, checked: the linter refuses an import that crosses a layer the
 * wrong way, and the import graph of src/ has no cycle.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/fixtures.js';

const src = join(repoRoot, 'src');

/** The project's own ESLint config, without type information (the probes are not on disk). */
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: [
    { ...tseslint.configs.disableTypeChecked, files: ['**/*.ts'] },
    {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false, project: null } },
    },
  ],
});

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const probe = 1;\n`, {
    filePath: join(repoRoot, file),
  });
  return result!.messages
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

describe('the layers, held by the linter', () => {
  const refused: [string, string][] = [
    ['src/core/probe.ts', "import { readFile } from 'node:fs/promises';"],
    ['src/core/pki/probe.ts', "import { createRequire } from 'node:module';"],
    ['src/core/pki/probe.ts', "import { readInputFile } from '../../adapters/input-files.js';"],
    ['src/core/probe.ts', "import type { FlowPorts } from '../flows/ports.js';"],
    ['src/core/probe.ts', "import { select } from '@inquirer/prompts';"],
    ['src/flows/probe.ts', "import { describeWarning } from '../ui/warnings.js';"],
    ['src/flows/probe.ts', "import { connectApns } from '../adapters/apns-connection.js';"],
    ['src/flows/probe.ts', "import { spawn } from 'node:child_process';"],
    ['src/flows/probe.ts', "import { runTaskList } from '../commands/demo.js';"],
    ['src/ui/probe.ts', "import { sendPush } from '../flows/send-push.js';"],
    ['src/ui/probe.ts', "import { readInputFile } from '../adapters/input-files.js';"],
    ['src/adapters/probe.ts', "import { describeWarning } from '../ui/warnings.js';"],
    ['src/sandbox/probe.ts', "import { checkTable } from '../ui/render-check.js';"],
    ['src/commands/probe.ts', "import '../cli.js';"],
  ];
  it.each(refused)('%s: %s is refused', async (file, code) => {
    expect(await layerErrors(file, code)).toHaveLength(1);
  });

  const allowed: [string, string][] = [
    ['src/core/probe.ts', "import { createHash } from 'node:crypto';"],
    ['src/core/pki/forge.ts', "import { createRequire } from 'node:module';"],
    [
      'src/flows/probe.ts',
      "import type { ApnsConnectionError } from '../adapters/apns-failures.js';",
    ],
    ['src/flows/probe.ts', "import { planCredentialFiles } from '../core/outputs.js';"],
    ['src/ui/probe.ts', "import type { PushResult } from '../flows/send-push.js';"],
    ['src/adapters/probe.ts', "import type { PushPorts } from '../flows/push-ports.js';"],
    ['src/commands/probe.ts', "import { sendPush } from '../flows/send-push.js';"],
  ];
  it.each(allowed)('%s: %s is allowed', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});

/** Every module of src/ with the src/ modules it imports (types included: a cycle is a cycle). */
function importGraph(): Map<string, string[]> {
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(src, f));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) =>
      resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
    );
    graph.set(file, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('the import graph', () => {
  it('reads every module and its imports', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(50);
    for (const targets of graph.values()) {
      for (const target of targets) expect(graph.has(target), target).toBe(true);
    }
  });

  it('has no cycle', () => {
    const cycle = findCycle(importGraph());
    expect(cycle?.map((f) => relative(src, f)) ?? null).toBeNull();
  });

  it('would see one (the check itself works)', () => {
    const a = join(src, 'a.ts');
    const b = join(src, 'b.ts');
    expect(
      findCycle(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([a, b, a]);
  });
});
