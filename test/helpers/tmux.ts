/**
 * A command in a real terminal (tmux), driven as a person drives it: read the screen, press
 * keys, type. Each session has its own tmux server (socket), so tests never meet each other.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

if (!hasTmux) {
  console.warn(
    'tmux is not installed: the wizard was NOT driven in a real terminal (apt-get install tmux).',
  );
}

const EXIT_MARK = '__apns_setup_exit__=';

export class TerminalSession {
  readonly #socket: string;

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /** Starts `argv` in a 150×50 terminal; `env` is added to the environment it runs with. */
  static start(
    argv: string[],
    options: { cwd: string; env: Record<string, string> },
  ): TerminalSession {
    const socket = `apns-setup-test-${randomBytes(6).toString('hex')}`;
    const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    const env = Object.entries({ NO_COLOR: '1', ...options.env }).flatMap(([k, v]) => [
      '-e',
      `${k}=${v}`,
    ]);
    execFileSync('tmux', [
      '-L',
      socket,
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      '150',
      '-y',
      '50',
      '-c',
      options.cwd,
      ...env,
      // The shell stays after the command, showing its exit code, until the test kills it.
      `${quoted}; echo "${EXIT_MARK}$?"; sleep 600`,
    ]);
    return new TerminalSession(socket);
  }

  /** The screen and its scrollback, wrapped lines joined. */
  screen(): string {
    return execFileSync('tmux', ['-L', this.#socket, 'capture-pane', '-p', '-J', '-S', '-1000'], {
      encoding: 'utf8',
    });
  }

  /** Waits until the screen matches (polling, up to `timeoutMs`), and returns the screen. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`the terminal never showed ${String(pattern)}; it shows:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Keys by tmux name: 'Enter', 'Down', 'C-c', 'y'. */
  press(...keys: string[]): void {
    execFileSync('tmux', ['-L', this.#socket, 'send-keys', ...keys]);
  }

  /** Text typed as is (no key names). */
  type(text: string): void {
    execFileSync('tmux', ['-L', this.#socket, 'send-keys', '-l', text]);
  }

  /** The command's exit code, once it has ended. */
  async exitCode(timeoutMs = 30_000): Promise<number> {
    const screen = await this.waitFor(new RegExp(`${EXIT_MARK}\\d+`), timeoutMs);
    return Number(new RegExp(`${EXIT_MARK}(\\d+)`).exec(screen)![1]);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server'], { stdio: 'ignore' });
  }
}
