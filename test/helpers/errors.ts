/** What a failing core call told the user: its code, message and hint. */
import { isApnsSetupError } from '../../src/core/errors.js';

export function errorOf(run: () => unknown): { code: string; message: string; hint?: string } {
  try {
    run();
  } catch (error) {
    if (isApnsSetupError(error))
      return { code: error.code, message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error('expected an error');
}

/** The error code, or 'opened' when the call succeeded. */
export function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isApnsSetupError(error)) return error.code;
    throw error;
  }
  return 'opened';
}
