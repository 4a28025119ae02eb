/**
 * The named places where a test can inject a failure. A hook that throws aborts the step there, as
 * a crash would; a hook that never resolves freezes it, as a hung process would.
 */
export type FaultPoint =
  | 'beforeCommit'
  | 'afterCommitBeforeDispatch'
  | 'afterPartialDispatch'
  | 'afterDispatchBeforeMark'
  | 'afterMarkBeforeAck'
  | 'beforeDeadLetter'
  | 'beforeStatement';

export interface FaultContext {
  endpoint: string;
  /** Ids of the outgoing messages concerned. */
  messageIds: string[];
  /** Id of the incoming message being handled, if any. */
  incomingMessageId?: string;
  /** Ids of the incoming messages handled together, when `batchSize` put several in one transaction. */
  incomingMessageIds?: string[];
  /** At `beforeStatement`: the statement about to run. */
  query?: string;
}

export type FaultHooks = Partial<
  Record<FaultPoint, (context: FaultContext) => void | Promise<void>>
>;
