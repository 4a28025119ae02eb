import { Logger, type INestApplication, type LogLevel } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsistentMessagingModule, type MessagingAdminOptions } from '../../lib';
import { AdminProbe, BearerTokenGuard, PingSender } from '../fixtures/admin.fixtures';
import { db, redis } from './services';

/** An endpoint with the admin mounted (by default at ops/messaging behind the bearer guard), listening on a free port. */
export async function startAdminEndpoint(
  prefix: string,
  admin: MessagingAdminOptions = { enabled: true, path: 'ops/messaging', guard: BearerTokenGuard },
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({ ...db, entityPrefix: prefix }),
      ConsistentMessagingModule.forRoot({
        endpoint: 'admin',
        redis,
        tablePrefix: prefix,
        queuePrefix: prefix.replace(/_+$/, ''),
        createTables: true,
        lockDurationMs: 5000,
        retry: { attempts: 1, backoff: { type: 'fixed', delay: 10 } },
        relay: { sweepIntervalMs: 3_600_000, subscriptionCacheMs: 0 },
        retention: { enabled: false },
        admin,
      }),
    ],
    providers: [PingSender, AdminProbe],
  }).compile();
  const levels: LogLevel[] | false = process.env.TEST_LOGS ? ['log', 'warn', 'error'] : false;
  const app = moduleRef.createNestApplication({ logger: levels });
  Logger.overrideLogger(levels);
  await app.listen(0, '127.0.0.1');
  return app;
}
