/** `count` placeholders for a list of values: `?, ?, ?`. */
export function placeholders(count: number, row = '?'): string {
  return Array.from({ length: count }, () => row).join(', ');
}
