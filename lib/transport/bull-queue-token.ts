/**
 * The injection token `@nestjs/bullmq` gives a queue (`getQueueToken(name)` of `@nestjs/bull-shared`,
 * checked by a test), written here so the library does not depend on those packages.
 */
export function bullQueueToken(name: string): string {
  return `BullQueue_${name}`;
}
