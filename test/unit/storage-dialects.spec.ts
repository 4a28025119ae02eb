import { QueryFailedError } from 'typeorm';
import { createMessagingTablesSql, UnsupportedDatabaseError } from '../../lib';
import { numbered } from '../../lib/storage/postgres/numbered';
import { dialectOf } from '../../lib/storage/storage-dialects';

const postgres = dialectOf({ options: { type: 'postgres' } });
const mysql = dialectOf({ options: { type: 'mariadb' } });

/** A statement's failure as TypeORM hands it over, around what the driver raised. */
function failed(driverError: object): QueryFailedError {
  return new QueryFailedError('INSERT …', [], Object.assign(new Error('failed'), driverError));
}

describe('storage dialects', () => {
  it('are chosen by the data source type, and an unknown type names the supported ones', () => {
    expect(dialectOf({ options: { type: 'mysql' } })).toBe(mysql);
    expect(() => dialectOf({ options: { type: 'sqlite' } })).toThrow(UnsupportedDatabaseError);
    expect(() => dialectOf({ options: { type: 'sqlite' } })).toThrow(
      /type "sqlite", which this library does not support\. Supported types: "mysql", "mariadb", "postgres"/,
    );
  });

  it('number PostgreSQL parameters in order', () => {
    expect(numbered('a = ? AND b IN (?, ?)')).toBe('a = $1 AND b IN ($2, $3)');
  });

  it('give each database its DDL, with per-table index names on PostgreSQL', () => {
    const sql = createMessagingTablesSql('shop_', 'postgres').join('\n');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "shop_outbox"');
    expect(sql).toContain('"shop_outbox_ix_pending" ON "shop_outbox" ("id")');
    expect(createMessagingTablesSql('shop_').join('\n')).toContain('ENGINE=InnoDB');
  });

  it('read PostgreSQL errors: a duplicate outbox id, transient ones, and any failure as an abort', () => {
    const duplicate = failed({
      code: '23505',
      detail: 'Key (message_id)=(m-1) already exists.',
    });
    expect(postgres.errors.duplicateOutboxId(duplicate)).toBe('m-1');
    expect(postgres.errors.isDuplicateKey(duplicate)).toBe(true);
    expect(postgres.errors.isTransient(failed({ code: '40P01' }))).toBe(true);
    expect(postgres.errors.isTransient(duplicate)).toBe(false);
    expect(postgres.errors.abortOf(duplicate)).toEqual({
      reason: '23505 failed',
      level: 'savepoint',
    });
    // A lost connection is no abort the code could go on after, and no error of a statement.
    expect(postgres.errors.abortOf(failed({ code: '57P01' }))).toBeUndefined();
    expect(postgres.errors.isConnectionError(failed({ code: '57P01' }))).toBe(true);
    expect(postgres.errors.isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(
      true,
    );
  });

  it('read MySQL errors: only a deadlock or a full lock table ends the transaction', () => {
    expect(mysql.errors.abortOf(failed({ errno: 1213 }))).toEqual({
      reason: 'deadlock',
      level: 'transaction',
    });
    expect(mysql.errors.abortOf(failed({ errno: 1062 }))).toBeUndefined();
    expect(mysql.errors.isTransient(failed({ errno: 1205 }))).toBe(true);
  });
});
