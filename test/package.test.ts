/**
 * What `npx apns-setup` installs is what the bin needs: every file the build wrote for it to
 * load (the bin, the help, the program and its chunks, the commands in a file of their own and
 * what they load lazily) and the payload templates are in the package that `npm pack` makes.
 * The build's own records (dist/meta.json) and the keychain adapter built for tests stay out.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/fixtures.js';

/** Every file under `dir`, relative to the checkout. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(repoRoot, join(entry.parentPath, entry.name)));
}

describe('the package', () => {
  it('holds every file of dist/ the bin can load, and the templates', () => {
    // --ignore-scripts: the package of the dist/ this run built, not a build of its own.
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
        cwd: repoRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as [{ files: { path: string }[] }];
    const packed = new Set(pack.files.map((file) => file.path));
    const needed = [...filesUnder('dist'), ...filesUnder('templates')].filter(
      (path) => path !== 'dist/meta.json' && !path.startsWith('dist/adapters/'),
    );
    for (const dir of ['dist/commands/', 'dist/vendor/', 'dist/chunks/', 'templates/']) {
      expect(
        needed.some((path) => path.startsWith(dir)),
        `${dir} has files`,
      ).toBe(true);
    }
    expect(needed.filter((path) => !packed.has(path))).toEqual([]);
    expect(packed.has('dist/meta.json')).toBe(false);
  });
});
