/**
 * The sentence with its first letter in upper case: a message that starts in lower case after
 * "Error: " starts a sentence elsewhere. Text that already does is returned as it is, not
 * copied: push explains every token's answer with it.
 */
export function capitalise(text: string): string {
  const first = text.charAt(0);
  const upper = first.toUpperCase();
  return first === upper ? text : upper + text.slice(1);
}
