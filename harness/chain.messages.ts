import { Message } from '../lib';

/** Published by A when a business process starts (its initial state change). */
@Message('harness.ProcessStarted')
export class ProcessStarted {
  constructor(readonly key: string) {}
}

/** Published by B once it recorded its step. */
@Message('harness.StepRecorded')
export class StepRecorded {
  constructor(readonly key: string) {}
}

/** The only type an old version of B or C handles (see HARNESS_OLD_VERSION); nobody sends it. */
@Message('harness.LegacyNotice')
export class LegacyNotice {
  constructor(readonly key: string) {}
}
