/** The start of `text`, at most `bytes` bytes of UTF-8 (a character cut in two is dropped). */
export function utf8Prefix(text: string, bytes: number): string {
  if (text.length * 4 <= bytes) return text;
  return Buffer.from(text)
    .subarray(0, bytes)
    .toString()
    .replace(/\uFFFD$/, '');
}
