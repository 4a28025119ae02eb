import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { logLevels, runEndpointProcess } from '../shared/endpoint.process';
import { ShippingDocumentsModule } from './documents/shipping-documents.module';
import { ShippingModule } from './shipping.module';

/** The shipping process: shipping and shipping-documents, one application each, no HTTP. */
runEndpointProcess('shipping', async () => {
  const options = { logger: logLevels, abortOnError: false };
  const shipping = await NestFactory.createApplicationContext(ShippingModule, options);
  const documents = await NestFactory.createApplicationContext(ShippingDocumentsModule, options);
  return { apps: [shipping, documents], info: {} };
});
