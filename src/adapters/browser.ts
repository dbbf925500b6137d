/**
 * Opens a web page in the person's browser: `open` on macOS, `start` on Windows, `xdg-open`
 * elsewhere. False when none worked (a server, a container): the caller prints the URL.
 */
export async function openInBrowser(url: string, platform = process.platform): Promise<boolean> {
  const { execa } = await import('execa');
  const [command, args] =
    platform === 'darwin'
      ? ['open', [url]]
      : platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const result = await execa(command, args, {
      reject: false,
      timeout: 5000,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'ignore',
      detached: platform !== 'win32',
    });
    return result.exitCode === 0;
  } catch {
    return false;
  }
}
