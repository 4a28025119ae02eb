/** Two endpoints in one process share a TypeORM DataSource: each needs its own. */
export class DataSourceInUseError extends Error {
  constructor(endpoint: string, otherEndpoint: string) {
    super(
      `Endpoint "${otherEndpoint}" uses the TypeORM DataSource of endpoint "${endpoint}" in the same ` +
        `process. One ConsistentMessagingModule per DataSource: give each endpoint a data source of its ` +
        `own (TypeOrmModule.forRoot({ name, ... }) and the module's dataSource option).`,
    );
    this.name = 'DataSourceInUseError';
  }
}
