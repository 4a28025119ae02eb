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

/**
 * Published by A with the group as its ordering key: the group's version after this process
 * advanced it. Receivers must see a group's versions in the order A committed them: 1, 2, 3…
 */
@Message('harness.GroupAdvanced')
export class GroupAdvanced {
  constructor(
    readonly group: string,
    readonly version: number,
  ) {}
}

/** Published by B, keyed by the group again, once it recorded a GroupAdvanced. */
@Message('harness.GroupRelayed')
export class GroupRelayed {
  constructor(
    readonly group: string,
    readonly version: number,
  ) {}
}
