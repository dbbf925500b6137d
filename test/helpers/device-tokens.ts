/** `count` distinct device tokens (64 hex digits: 1, 2, 3… zero-padded), in order. */
export function distinctTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i + 1).toString(16).padStart(64, '0'));
}

/** The same tokens as a tokens file's text: one per line, each line ended. */
export function tokensFileText(count: number): string {
  return distinctTokens(count)
    .map((token) => `${token}\n`)
    .join('');
}
