import { Injectable } from '@nestjs/common';
import { mkdir, writeFile } from 'fs/promises';
import { join } from 'path';
import { blobDirectory, lostReplyEvery } from '../../config';

/**
 * A file-system stand-in for blob storage. Writes with `wx`, so storing a name twice is detected
 * rather than overwritten. Like a remote store, it sometimes loses the reply after storing.
 */
@Injectable()
export class BlobStore {
  private stored = 0;

  /** 'exists' when the name was stored before: nothing was written. */
  async put(name: string, text: string): Promise<'stored' | 'exists'> {
    await mkdir(blobDirectory, { recursive: true });
    try {
      await writeFile(join(blobDirectory, name), text, { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw error;
    }
    const every = lostReplyEvery();
    if (every > 0 && ++this.stored % every === 0) {
      throw new Error(`blob store: reply for ${name} lost (simulated, the blob was stored)`);
    }
    return 'stored';
  }
}
