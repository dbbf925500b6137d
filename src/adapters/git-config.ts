/**
 * `git config --get NAME`: the defaults a developer has already told their tools (user.email,
 * user.name). execa is loaded only when a command asks.
 */
export async function readGitConfig(name: string, cwd: string): Promise<string | null> {
  const { execa } = await import('execa');
  try {
    const result = await execa('git', ['config', '--get', name], {
      cwd,
      reject: false,
      timeout: 3000,
      stdin: 'ignore',
    });
    const value = result.exitCode === 0 ? String(result.stdout).trim() : '';
    return value === '' ? null : value;
  } catch {
    // No git on this machine: there is simply no default.
    return null;
  }
}
