import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { logLevels, runEndpointProcess } from '../shared/endpoint.process';
import { OrdersModule } from './orders.module';

/** The orders process: one application, HTTP on PORT (default: any free port). */
runEndpointProcess('orders', async () => {
  const app = await NestFactory.create(OrdersModule, { logger: logLevels, abortOnError: false });
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  return { apps: [app], info: { url: await app.getUrl() } };
});
