import { Inject, Injectable } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { FaultContext, FaultPoint } from './fault-hooks.interface';

type FaultHook = (context: FaultContext) => void | Promise<void>;

/** Calls the test's hook at a named failure point; costs one property lookup when none is set. */
@Injectable()
export class FaultInjector {
  /** Hooks set while the application runs (the test kit's), before those of the options. */
  private readonly armed: Partial<Record<FaultPoint, FaultHook>> = {};

  constructor(
    @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
  ) {}

  isSet(point: FaultPoint): boolean {
    return this.hookAt(point) !== undefined;
  }

  async at(point: FaultPoint, context: Omit<FaultContext, 'endpoint'>): Promise<void> {
    const hook = this.hookAt(point);
    if (hook) await hook({ endpoint: this.options.endpoint, ...context });
  }

  /**
   * Calls the hook without waiting for it, from code that can't wait (TypeORM's beforeQuery): a hook
   * that throws fails the step at once; a promise it returns is not awaited.
   */
  atOnce(point: FaultPoint, context: Omit<FaultContext, 'endpoint'>): void {
    const hook = this.hookAt(point);
    if (hook)
      void Promise.resolve(hook({ endpoint: this.options.endpoint, ...context })).catch(
        () => undefined,
      );
  }

  /** Sets a hook at a point until the returned function is called. */
  arm(point: FaultPoint, hook: FaultHook): () => void {
    this.armed[point] = hook;
    return () => {
      if (this.armed[point] === hook) delete this.armed[point];
    };
  }

  private hookAt(point: FaultPoint): FaultHook | undefined {
    return this.armed[point] ?? this.options.faultHooks[point];
  }
}
