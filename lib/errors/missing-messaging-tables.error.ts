/** The messaging tables are missing, or were created by an earlier version and lack columns. */
export class MissingMessagingTablesError extends Error {
  /** The statements that create what is missing, in order. */
  readonly statements: string[];

  constructor(tables: string[], creations: string[], alterations: string[] = []) {
    const statementsText = (list: string[]) =>
      list.map((sql) => `${sql.replace(/\s+/g, ' ')};`).join('\n');
    const parts: string[] = [];
    if (tables.length > 0)
      parts.push(
        `Table(s) ${tables.join(', ')} missing. Run the migration from createMessagingMigration() (see README, "Schema"), or create them with:\n${statementsText(creations)}\n`,
      );
    if (alterations.length > 0)
      parts.push(
        `The tables were created by an earlier version; bring them up to date with:\n${statementsText(alterations)}\n`,
      );
    parts.push('For development, createTables: true in the module options does it at startup.');
    super(parts.join(' '));
    this.name = 'MissingMessagingTablesError';
    this.statements = [...creations, ...alterations];
  }
}
