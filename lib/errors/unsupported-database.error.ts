/** The messaging DataSource is of a database type the library's storage layer does not speak. */
export class UnsupportedDatabaseError extends Error {
  constructor(type: string, supported: readonly string[]) {
    super(
      `The messaging data source is of type "${type}", which this library does not support. Supported ` +
        `types: ${supported.map((one) => `"${one}"`).join(', ')} (MySQL 8, MariaDB 10.6+, PostgreSQL 13+). ` +
        'Point ConsistentMessagingModule at such a TypeORM data source (dataSource option).',
    );
    this.name = 'UnsupportedDatabaseError';
  }
}
