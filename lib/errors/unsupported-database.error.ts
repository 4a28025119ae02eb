/** The messaging DataSource is of a database type the library's storage layer does not speak. */
export class UnsupportedDatabaseError extends Error {
  constructor(type: string, supported: readonly string[]) {
    super(
      `The messaging data source is of type "${type}", which this library does not support: its tables and ` +
        `statements are for ${supported.map((one) => `"${one}"`).join(' and ')} (MySQL 8, MariaDB 10.6+). ` +
        'Point ConsistentMessagingModule at such a TypeORM data source (dataSource option).',
    );
    this.name = 'UnsupportedDatabaseError';
  }
}
