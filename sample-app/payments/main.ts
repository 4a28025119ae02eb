import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { logLevels, runEndpointProcess } from '../shared/endpoint.process';
import { PaymentsGatewayModule } from './gateway/payments-gateway.module';
import { PaymentsModule } from './payments.module';

/**
 * The payments process: two endpoints, two applications (one endpoint per application). payments
 * serves the provider's webhook over HTTP on PORT (default: any free port); payments-gateway has no
 * HTTP.
 */
runEndpointProcess('payments', async () => {
  const options = { logger: logLevels, abortOnError: false };
  const payments = await NestFactory.create(PaymentsModule, options);
  await payments.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const gateway = await NestFactory.createApplicationContext(PaymentsGatewayModule, options);
  return { apps: [payments, gateway], info: { url: await payments.getUrl() } };
});
