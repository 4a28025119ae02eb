export class MissingMessagingTablesError extends Error {
  constructor(tables: string[]) {
    super(
      `Table(s) ${tables.join(', ')} missing. Run the migration from createMessagingMigration() ` +
        `(see README, "Schema"), or set createTables: true in ConsistentMessagingModule options for development.`,
    );
    this.name = 'MissingMessagingTablesError';
  }
}
