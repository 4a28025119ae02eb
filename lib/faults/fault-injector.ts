import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { FaultContext, FaultPoint } from './fault-hooks.interface';

/** Calls the test's hook at a named failure point; costs one property lookup when none is set. */
@Injectable()
export class FaultInjector {
  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  isSet(point: FaultPoint): boolean {
    return this.options.faultHooks[point] !== undefined;
  }

  async at(point: FaultPoint, context: Omit<FaultContext, 'endpoint'>): Promise<void> {
    const hook = this.options.faultHooks[point];
    if (hook) await hook({ endpoint: this.options.endpoint, ...context });
  }
}
