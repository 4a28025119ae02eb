import { createHash } from 'crypto';

/**
 * A UUID (version 5 layout, SHA-1) derived from the given parts: the same parts always give the same
 * id, so a message built from a business key (cart id, Idempotency-Key header) has a stable id.
 */
export function deterministicMessageId(...parts: string[]): string {
  const hash = createHash('sha1').update(JSON.stringify(parts)).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
