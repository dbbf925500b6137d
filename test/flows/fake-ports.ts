/**
 * Hand-written FlowPorts over an in-memory folder tree: flows are checked for what they ask,
 * in which order, and what they write, without a disk or a terminal.
 */
import { dirname, join } from 'node:path';
import { parsePlist } from '../../src/adapters/plist.js';
import { InputError } from '../../src/core/errors.js';
import type { PlannedFile } from '../../src/core/outputs.js';
import type { FlowPorts, PassphraseRequest, WrittenFile } from '../../src/flows/ports.js';
import { describeWarning } from '../../src/ui/warnings.js';

export interface FakePorts extends FlowPorts {
  files: Map<string, Buffer>;
  /** Every call, in order: 'read X', 'assert DIR', 'passphrase open|protect', 'write DIR: a, b'. */
  calls: string[];
  warnings: string[];
}

export function fakePorts(options: {
  /** The flow's clock, fixed by the test. */
  now: Date;
  passphrases?: string[];
  /** What --passphrase-file or APNS_SETUP_PASSPHRASE would hold; none when left out. */
  atHand?: string;
  files?: Record<string, Uint8Array>;
}): FakePorts {
  const files = new Map(Object.entries(options.files ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
  const answers = [...(options.passphrases ?? [])];
  const calls: string[] = [];
  const warnings: string[] = [];
  const existing = (dir: string, names: string[]) => names.filter((n) => files.has(join(dir, n)));
  return {
    files,
    calls,
    warnings,
    readFile: (path) => {
      calls.push(`read ${path}`);
      const bytes = files.get(path);
      if (!bytes) return Promise.reject(new InputError('FILE_NOT_FOUND', `${path}: no such file`));
      return Promise.resolve(bytes);
    },
    assertWritable: (dir, names, force) => {
      calls.push(`assert ${dir}`);
      const clash = existing(dir, names);
      if (clash.length > 0 && !force) {
        return Promise.reject(
          new InputError('FILE_EXISTS', `${join(dir, clash[0]!)} already exists`),
        );
      }
      return Promise.resolve();
    },
    writeFiles: (dir, planned: PlannedFile[], force) => {
      calls.push(`write ${dir}: ${planned.map((f) => f.name).join(', ')}`);
      if (
        existing(
          dir,
          planned.map((f) => f.name),
        ).length > 0 &&
        !force
      ) {
        return Promise.reject(new InputError('FILE_EXISTS', 'exists'));
      }
      const written: WrittenFile[] = planned.map((f) => {
        files.set(join(dir, f.name), Buffer.from(f.contents));
        return {
          name: f.name,
          path: join(dir, f.name),
          secret: f.secret,
          backupPath: null,
          previouslyExposed: false,
        };
      });
      return Promise.resolve(written);
    },
    passphrase: (request: PassphraseRequest) => {
      calls.push(`passphrase ${request.purpose}`);
      const answer = answers.shift();
      if (answer === undefined) {
        return Promise.reject(new InputError('NO_TTY', `${request.subject} needs a passphrase`));
      }
      return Promise.resolve(answer);
    },
    passphraseAtHand: () => {
      calls.push('at hand');
      return Promise.resolve(options.atHand ?? null);
    },
    parsePlist,
    filesBeside: (file) => {
      calls.push(`beside ${file}`);
      const dir = dirname(file);
      return Promise.resolve(
        [...files.keys()].filter((path) => path !== file && dirname(path) === dir).sort(),
      );
    },
    warn: (warning) => warnings.push(describeWarning(warning)),
    now: () => options.now,
  };
}
