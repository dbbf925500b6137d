/**
 * A path as a person types it, or as a terminal writes it when a file is dragged onto it:
 * quoted ('…' or "…"), with backslash-escaped spaces and brackets, or as a file:// URL.
 */
export function parseTypedPath(text: string): string {
  const value = text.trim();
  if (value.startsWith('file://')) {
    try {
      return decodeURIComponent(new URL(value).pathname);
    } catch {
      return value;
    }
  }
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
    // A POSIX shell's quoting: a quote inside is written '\''.
    return value.slice(1, -1).replaceAll("'\\''", "'");
  }
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  }
  // macOS Terminal and iTerm escape spaces and shell characters with a backslash.
  return value.replace(/\\(.)/g, '$1');
}
