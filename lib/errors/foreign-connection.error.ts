/**
 * A statement ran on a connection of the messaging DataSource other than the one of the unit of work
 * active on its async path: it would have committed on its own, outside the unit.
 */
export class ForeignConnectionError extends Error {
  constructor(sql: string) {
    super(
      `A statement ran on another connection than the one of the active unit of work, so it would ` +
        `commit on its own (${sql.slice(0, 80)}). Inside a handler or an @Outbox() method, use the ` +
        `unit's EntityManager (context.manager, UnitOfWorkHost.manager), an injected repository, or ` +
        `dataSource.createQueryRunner(), which all join the unit; not a query runner created before it.`,
    );
    this.name = 'ForeignConnectionError';
  }
}
