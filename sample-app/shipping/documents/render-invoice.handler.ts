import { Injectable, Logger } from '@nestjs/common';
import { IdempotentContext, IdempotentHandler } from '../../../lib';
import { RenderInvoice } from '../../messages/render-invoice.command';
import { BlobStore } from './blob.store';
import { invoiceText } from './invoice.template';

/**
 * Output layer: stores the invoice. A retry renders it again, but the blob name is the idempotency
 * key (= invoice id), so the store detects the copy and the first file stays.
 */
@Injectable()
export class RenderInvoiceHandler {
  private readonly logger = new Logger('shipping-documents');

  constructor(private readonly blobs: BlobStore) {}

  @IdempotentHandler(RenderInvoice)
  async render(command: RenderInvoice, context: IdempotentContext): Promise<void> {
    const name = `${context.idempotencyKey}.txt`;
    if ((await this.blobs.put(name, invoiceText(command))) === 'exists') {
      this.logger.log(`Invoice ${name} already stored: repeated RenderInvoice absorbed`);
    }
  }
}
