/**
 * Typed errors: every expected failure carries a stable code, one sentence saying what is
 * wrong, a hint saying what to do, and the exit code of the command contract. Only cli.ts
 * prints them and exits.
 */
export type ExitCode = 0 | 1 | 2 | 3 | 130;

export type ErrorCode =
  | 'USAGE'
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'IS_A_DIRECTORY'
  | 'FILE_TOO_LARGE'
  | 'FILE_EMPTY'
  | 'FILE_EXISTS'
  | 'NOT_WRITABLE'
  | 'CORRUPT_FILE'
  | 'UNSUPPORTED_FORMAT'
  | 'UNSUPPORTED_ENCRYPTION'
  | 'WRONG_KIND'
  | 'NO_CERTIFICATE'
  | 'NO_PRIVATE_KEY'
  | 'PASSPHRASE_REQUIRED'
  | 'WRONG_PASSPHRASE'
  | 'KEY_MISMATCH'
  | 'NOT_APNS_CERTIFICATE'
  | 'NO_TTY'
  | 'CANCELLED'
  | 'OPERATION_FAILED'
  | 'KEYCHAIN_FAILED'
  | 'EXPIRING'
  | 'EXPIRED'
  | 'INVALID_PAYLOAD'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL';

export interface ErrorDetails {
  hint?: string;
  cause?: unknown;
}

export class ApnsSetupError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, exitCode: ExitCode, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = details.hint;
    this.exitCode = exitCode;
  }
}

/** Invalid input or usage: exit 2. */
export class InputError extends ApnsSetupError {
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, 2, details);
  }
}

/** The operation ran and failed: exit 1. */
export class OperationError extends ApnsSetupError {
  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(code, message, 1, details);
  }
}

/** The user cancelled (Ctrl-C at a prompt): exit 130. */
export class CancelledError extends ApnsSetupError {
  constructor(message = 'Cancelled.') {
    super('CANCELLED', message, 130);
  }
}

export function isApnsSetupError(error: unknown): error is ApnsSetupError {
  return error instanceof ApnsSetupError;
}

/** Runs `action`, putting `file` in front of the message of an error it throws. */
export function inFile<T>(file: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw withFileName(file, error);
  }
}

/** Re-throws a core error with the file name in front, keeping code, hint and exit code. */
export function withFileName(file: string, error: unknown): unknown {
  // A cancel is the person's, not the file's: "Cancelled." stays as it is.
  if (isApnsSetupError(error) && error.code !== 'CANCELLED' && !error.message.includes(file)) {
    return new ApnsSetupError(error.code, `${file}: ${error.message}`, error.exitCode, {
      hint: error.hint,
      cause: error,
    });
  }
  return error;
}
