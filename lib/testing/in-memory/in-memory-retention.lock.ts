import { Injectable } from '@nestjs/common';
import { randomUUID } from 'crypto';

/** The retention lease of the in-memory transport: one process, so always free. */
@Injectable()
export class InMemoryRetentionLock {
  async acquire(): Promise<string> {
    return randomUUID();
  }

  async release(): Promise<void> {}
}
