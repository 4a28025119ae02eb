import type { FaultContext, FaultPoint } from '../faults/fault-hooks.interface';
import type { MessageEnvelope } from '../interfaces/message-envelope.interface';
import type { PipelineOutcome } from '../pipeline/consistent-message.pipeline';
import { messagingTableNames } from '../storage/messaging-table-names';
import { emptyTables } from '../storage/test-tables';
import type { EndpointUnderTest } from './endpoint-under-test';
import {
  type ComparedTable,
  type StateSnapshot,
  comparedTables,
  differencesBetween,
  takeSnapshot,
} from './state-snapshot';
import type {
  RecordedMessage,
  ConsistencyOptions,
  ConsistencyReport,
  ConsistencyScenario,
  ScenarioResult,
} from './test-kit.interfaces';

/** The fault the kit injects; a handler never sees it. */
class InjectedFault extends Error {
  constructor(point: FaultPoint) {
    super(`fault injected by the test kit at ${point}`);
    this.name = 'InjectedFault';
  }
}

/** Statements that open, end or set up a transaction or savepoint. */
const TRANSACTION_CONTROL =
  /^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|SET )/i;

/** How often a message is delivered again after a failed attempt before the run gives up. */
const MAX_ATTEMPTS = 5;

/** How long the second worker's copy is given to reach the inbox row the first one holds. */
const SECOND_WORKER_HEAD_START_MS = 200;

/**
 * Runs one message's handling under each fault the library knows, each from the same fresh state,
 * and compares what each left behind with one clean delivery.
 */
export class ConsistencyCheck {
  private readonly tables: ComparedTable[];
  private readonly envelope: MessageEnvelope;
  /** Every outgoing message of every run, to take their jobs off the queues at the end. */
  private readonly outgoingIds = new Set<string>();

  constructor(
    private readonly endpoint: EndpointUnderTest,
    message: object,
    private readonly options: ConsistencyOptions,
  ) {
    const own = new Set(Object.values(messagingTableNames(endpoint.options.tablePrefix)));
    this.tables = comparedTables(endpoint.dataSource, options.entities, own, options.ignoreColumns);
    this.envelope = endpoint.envelopeOf(message, { headers: options.headers });
    endpoint.handlersFor(this.envelope.type);
    if (process.env.NODE_ENV === 'production')
      throw new TypeError(
        'verifyConsistency empties the tables it compares: it refuses to run with NODE_ENV=production',
      );
  }

  async run(): Promise<ConsistencyReport> {
    await this.endpoint.worker.pause();
    try {
      if (this.endpoint.layerOf(this.envelope.type) === 'output') return await this.runOutput();
      const clean = await this.runFresh(async () => {
        await this.untilHandled();
        return true;
      });
      if (differencesBetween(clean.arranged, clean.snapshot).length === 0)
        throw new TypeError(
          `One clean delivery of ${this.envelope.type} changed nothing the check compares. The kit empties the ` +
            'compared tables before each run: seed the state the handler needs in arrange, and name the ' +
            'entities it writes in entities.',
        );
      const scenarios: ScenarioResult[] = [];
      for (const [scenario, inject] of this.scenarios())
        scenarios.push(await this.compare(scenario, clean.snapshot, inject));
      return {
        messageType: this.envelope.type,
        consistent: scenarios.every((result) => result.differences.length === 0),
        scenarios,
      };
    } finally {
      await this.removeDispatchedJobs();
      this.endpoint.worker.resume();
    }
  }

  /**
   * An output-layer handler runs again on every delivery (the external system drops repeats): each
   * repeat must send the key the clean run sent.
   */
  private async runOutput(): Promise<ConsistencyReport> {
    const { idempotencyKeys } = this.options;
    if (!idempotencyKeys)
      throw new TypeError(
        `${this.envelope.type} is handled by an @IdempotentHandler(): give verifyConsistency idempotencyKeys, ` +
          'which reads the keys your fake external system received',
      );
    const keysAfter = async (deliver: () => Promise<unknown>): Promise<string[]> => {
      await this.options.arrange?.();
      await deliver();
      return [...new Set(idempotencyKeys())].sort();
    };
    const clean = await keysAfter(() => this.untilHandled());
    const repeats: [ConsistencyScenario, () => Promise<unknown>][] = [
      [
        'duplicate delivery, one after the other',
        async () => [await this.untilHandled(), await this.untilHandled()],
      ],
      [
        'duplicate delivery at the same time',
        () => Promise.all([this.untilHandled(), this.untilHandled()]),
      ],
    ];
    const scenarios: ScenarioResult[] = [];
    for (const [scenario, deliver] of repeats) {
      const keys = await keysAfter(deliver);
      const same = keys.length === clean.length && keys.every((key, i) => key === clean[i]);
      scenarios.push({
        scenario,
        applies: true,
        differences: same
          ? []
          : [
              `the external system received the keys ${JSON.stringify(keys)} where the clean run sent ${JSON.stringify(clean)}`,
            ],
      });
    }
    return {
      messageType: this.envelope.type,
      consistent: scenarios.every((result) => result.differences.length === 0),
      scenarios,
    };
  }

  /** Each scenario returns whether its fault happened. */
  private scenarios(): [ConsistencyScenario, () => Promise<boolean>][] {
    return [
      [
        'duplicate delivery, one after the other',
        async () => {
          await this.untilHandled();
          await this.untilHandled();
          return true;
        },
      ],
      [
        'duplicate delivery at the same time',
        async () => {
          await Promise.all([this.untilHandled(), this.untilHandled()]);
          return true;
        },
      ],
      ['crash before commit, then redelivery', () => this.failOnceAt('beforeCommit')],
      [
        "transient error in one of the handler's statements, then retry",
        () => this.failOnceAt('beforeStatement'),
      ],
      ['crash after commit, before dispatch', () => this.failOnceAt('afterCommitBeforeDispatch')],
      ['partial dispatch', () => this.failOnceAt('afterPartialDispatch')],
      ['lock expiry, redelivered to a second worker', () => this.secondWorkerWhileFirstHolds()],
    ];
  }

  private async compare(
    scenario: ConsistencyScenario,
    clean: StateSnapshot,
    inject: () => Promise<boolean>,
  ): Promise<ScenarioResult> {
    try {
      const { applies, snapshot } = await this.runFresh(inject);
      return { scenario, applies, differences: applies ? differencesBetween(clean, snapshot) : [] };
    } catch (error) {
      return { scenario, applies: true, differences: [(error as Error).message] };
    }
  }

  private async runFresh(
    inject: () => Promise<boolean>,
  ): Promise<{ applies: boolean; arranged: StateSnapshot; snapshot: StateSnapshot }> {
    const tables = [...this.tables.map((table) => table.name), ...this.prefixTables];
    await emptyTables(this.endpoint.dataSource, tables);
    await this.options.arrange?.();
    const arranged = await this.snapshot([]);
    const applies = await inject();
    const outgoing = await this.endpoint.recordedBy(this.envelope.id);
    for (const message of outgoing) this.outgoingIds.add(message.id);
    return { applies, arranged, snapshot: await this.snapshot(outgoing) };
  }

  private snapshot(outgoing: RecordedMessage[]): Promise<StateSnapshot> {
    const { effects, ignoreFields } = this.options;
    return takeSnapshot(this.endpoint.dataSource, this.tables, outgoing, effects, ignoreFields);
  }

  private get prefixTables(): string[] {
    const { outbox, inbox, deadLetters } = messagingTableNames(this.endpoint.options.tablePrefix);
    return [outbox, inbox, deadLetters];
  }

  /** Delivers the message until an attempt succeeds, as BullMQ would. */
  private async untilHandled(): Promise<PipelineOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.endpoint.attempt(this.envelope);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS)
          throw new Error(
            `still failing after ${MAX_ATTEMPTS} attempts: ${(error as Error).message}`,
          );
      }
    }
  }

  /** The first attempt fails at the point, the message comes again; false if it never got there. */
  private async failOnceAt(point: FaultPoint): Promise<boolean> {
    let fired = false;
    const disarm = this.endpoint.faults.arm(point, (context) => {
      if (fired || !this.concerns(context) || this.isLibraryStatement(context.query)) return;
      fired = true;
      throw new InjectedFault(point);
    });
    try {
      await this.endpoint.attempt(this.envelope).catch((error: Error) => {
        if (!(error instanceof InjectedFault)) throw error;
      });
    } finally {
      disarm();
    }
    await this.untilHandled();
    return fired;
  }

  /**
   * The first attempt stops just before its COMMIT, as a worker whose lock expired; a second
   * worker gets the message meanwhile; then the first goes on.
   */
  private async secondWorkerWhileFirstHolds(): Promise<boolean> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const atCommit = new Promise<void>((resolve) => (reached = resolve));
    let fired = false;
    const disarm = this.endpoint.faults.arm('beforeCommit', async (context) => {
      if (fired || !this.concerns(context)) return;
      fired = true;
      reached();
      await held;
    });
    try {
      const first = this.untilHandled();
      await Promise.race([atCommit, first]);
      const second = this.untilHandled();
      await new Promise((resolve) => setTimeout(resolve, SECOND_WORKER_HEAD_START_MS));
      release();
      await Promise.all([first, second]);
    } finally {
      release();
      disarm();
    }
    return fired;
  }

  /** A statement of the library's own (inbox, outbox, transaction control), not the handler's. */
  private isLibraryStatement(query: string | undefined): boolean {
    if (query === undefined) return false;
    if (TRANSACTION_CONTROL.test(query)) return true;
    return this.prefixTables.some((table) => query.includes(`\`${table}\``));
  }

  private concerns(context: FaultContext): boolean {
    const id = this.envelope.id;
    return (
      context.incomingMessageId === id ||
      context.incomingMessageIds?.includes(id) === true ||
      context.incomingMessageId === undefined
    );
  }

  /** Takes the jobs of the runs' outgoing messages off the queues, so that nothing handles them later. */
  private async removeDispatchedJobs(): Promise<void> {
    for (const queue of this.endpoint.queues.opened())
      for (const id of this.outgoingIds) await queue.remove(id).catch(() => undefined);
  }
}
