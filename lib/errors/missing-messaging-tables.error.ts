/** The messaging tables are missing, or were created by an earlier version and lack columns. */
export class MissingMessagingTablesError extends Error {
  constructor(tables: string[], alterations: string[] = []) {
    const parts: string[] = [];
    if (tables.length > 0)
      parts.push(
        `Table(s) ${tables.join(', ')} missing. Run the migration from createMessagingMigration() (see README, "Schema").`,
      );
    if (alterations.length > 0)
      parts.push(
        `The tables were created by an earlier version; bring them up to date with:\n${alterations.map((sql) => `${sql.replace(/\s+/g, ' ')};`).join('\n')}\n`,
      );
    parts.push('For development, createTables: true in the module options does it at startup.');
    super(parts.join(' '));
    this.name = 'MissingMessagingTablesError';
  }
}
