import { Module } from '@nestjs/common';
import { endpoints } from '../../config';
import { endpointImports } from '../../shared/endpoint.imports';
import { BlobStore } from './blob.store';
import { RenderInvoiceHandler } from './render-invoice.handler';

/** The shipping-documents endpoint: output layer only, beside shipping in the same process. */
@Module({
  imports: endpointImports({
    service: 'shipping',
    endpoint: endpoints.shippingDocuments,
    output: true,
  }),
  providers: [RenderInvoiceHandler, BlobStore],
})
export class ShippingDocumentsModule {}
