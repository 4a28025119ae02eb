import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import {
  ConsistentMessagingModule,
  InvalidMessagingOptionsError,
  type ConsistentMessagingModuleOptions,
} from '../../lib';
import { redis } from '../support/services';

/** Stands in for TypeOrmModule: options are checked before any connection is needed. */
@Global()
@Module({ providers: [{ provide: DataSource, useValue: {} }], exports: [DataSource] })
class NoDatabaseModule {}

describe('module options at startup', () => {
  it('fail the application with what to fix', async () => {
    const options = { endpoint: '', redis, concurrency: 0 } as ConsistentMessagingModuleOptions;
    const compiling = Test.createTestingModule({
      imports: [NoDatabaseModule, ConsistentMessagingModule.forRoot(options)],
    }).compile();
    await expect(compiling).rejects.toThrow(InvalidMessagingOptionsError);
    await expect(compiling).rejects.toThrow(
      /endpoint: give this endpoint's name[\s\S]*concurrency: an integer >= 1/,
    );
  });
});
