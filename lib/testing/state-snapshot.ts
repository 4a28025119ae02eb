import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import { readRows } from '../storage/test-tables';
import type { RecordedMessage } from './test-kit.interfaces';

/** A table the consistency check empties and compares, and the columns it leaves out. */
export interface ComparedTable {
  name: string;
  ignored: Set<string>;
}

/** What one run left behind: rows by table, the outgoing messages, the effects. */
export interface StateSnapshot {
  tables: Map<string, string[]>;
  messages: { type: string; text: string }[];
  effects: Map<string, string>;
}

/** The tables of the given entities (all but `excluded` by default), with the columns to leave out. */
export function comparedTables(
  dataSource: DataSource,
  entities: EntityTarget<ObjectLiteral>[] | undefined,
  excluded: Set<string>,
  ignoreColumns: string[] = [],
): ComparedTable[] {
  const metadatas = entities
    ? entities.map((entity) => dataSource.getMetadata(entity))
    : dataSource.entityMetadatas.filter(
        (metadata) => metadata.tableType !== 'view' && !excluded.has(metadata.tableName),
      );
  const unknown = ignoreColumns.filter(
    (name) => !metadatas.some((metadata) => names(metadata, name)),
  );
  if (unknown.length > 0)
    throw new TypeError(
      `ignoreColumns names no column of the compared tables: ${unknown.join(', ')} (database names: ` +
        `"column" or "table.column"; the tables are ${metadatas.map((m) => m.tableName).join(', ')})`,
    );
  return metadatas.map((metadata) => ({
    name: metadata.tableName,
    ignored: ignoredColumnsOf(metadata, ignoreColumns),
  }));
}

/** `owner.field` split at its last dot (`table.column`, `message.type.field`); no owner: any. */
function qualified(name: string): { owner?: string; field: string } {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? { field: name } : { owner: name.slice(0, dot), field: name.slice(dot + 1) };
}

/** The column an ignoreColumns entry names in this table, if it names one there. */
function columnNamed(metadata: EntityMetadata, name: string): string | undefined {
  const { owner, field } = qualified(name);
  return owner === undefined || owner === metadata.tableName ? field : undefined;
}

/** Whether an ignoreColumns entry names a column of this table. */
function names(metadata: EntityMetadata, name: string): boolean {
  const column = columnNamed(metadata, name);
  return metadata.columns.some((one) => one.databaseName === column);
}

/**
 * Values that differ between equal runs by design: creation and update times, defaults the
 * database computes (`default: () => 'CURRENT_TIMESTAMP(3)'`) and generated ids (InnoDB does not
 * give back an auto-increment value a rolled-back insert took).
 */
function ignoredColumnsOf(metadata: EntityMetadata, ignoreColumns: string[]): Set<string> {
  const ignored = new Set<string>();
  for (const column of metadata.columns) {
    const computed = typeof column.default === 'function';
    if (column.isCreateDate || column.isUpdateDate || column.isGenerated || computed)
      ignored.add(column.databaseName);
  }
  for (const name of ignoreColumns) {
    const column = columnNamed(metadata, name);
    if (column !== undefined) ignored.add(column);
  }
  return ignored;
}

export async function takeSnapshot(
  dataSource: DataSource,
  tables: ComparedTable[],
  outgoing: RecordedMessage[],
  effects: Record<string, () => unknown> = {},
  ignoreFields: string[] = [],
): Promise<StateSnapshot> {
  const rows = new Map<string, string[]>();
  for (const table of tables) {
    const texts = (await readRows(dataSource, table.name)).map((row) =>
      rowText(row, table.ignored),
    );
    rows.set(table.name, texts.sort());
  }
  const messages = outgoing.map(({ type, destination, payload, headers }) => {
    // A message's id and time are new on every run, and its dispatch is marked in the background.
    const stable: Record<string, unknown> = { ...headers };
    delete stable.sentAt;
    const fields = { ...(payload as Record<string, unknown>) };
    for (const name of ignoreFields) {
      const { owner, field } = qualified(name);
      if (owner === undefined || owner === type) delete fields[field];
    }
    return { type, text: stableText({ type, destination, payload: fields, headers: stable }) };
  });
  const effectTexts = new Map(
    Object.entries(effects).map(([name, read]) => [name, stableText(read())]),
  );
  return { tables: rows, messages, effects: effectTexts };
}

function rowText(row: Record<string, unknown>, ignored: Set<string>): string {
  const kept = Object.fromEntries(Object.entries(row).filter(([column]) => !ignored.has(column)));
  return stableText(kept);
}

/** JSON with sorted keys, dates as ISO text and buffers as base64: equal values, equal text. */
function stableText(value: unknown): string {
  return JSON.stringify(normalized(value)) ?? 'undefined';
}

function normalized(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, normalized((value as Record<string, unknown>)[key])]),
    );
  return value;
}

/** How a run differs from the clean one, one readable line per difference. */
export function differencesBetween(clean: StateSnapshot, run: StateSnapshot): string[] {
  const differences: string[] = [];
  for (const [table, cleanRows] of clean.tables) {
    const rows = run.tables.get(table) ?? [];
    if (rows.length !== cleanRows.length) {
      differences.push(
        `${rows.length} rows in \`${table}\` where the clean run has ${cleanRows.length}`,
      );
      continue;
    }
    const index = rows.findIndex((row, i) => row !== cleanRows[i]);
    if (index >= 0)
      differences.push(
        `a row in \`${table}\` differs: ${fieldDifferences(rows[index], cleanRows[index])}`,
      );
  }
  if (run.messages.length !== clean.messages.length) {
    differences.push(
      `${run.messages.length} outgoing messages (${typesOf(run)}) where the clean run has ` +
        `${clean.messages.length} (${typesOf(clean)})`,
    );
  } else {
    run.messages.forEach((message, i) => {
      if (message.text !== clean.messages[i].text)
        differences.push(
          `outgoing message ${i + 1} (${message.type}) differs: ${fieldDifferences(message.text, clean.messages[i].text)}`,
        );
    });
  }
  for (const [name, cleanEffect] of clean.effects) {
    const effect = run.effects.get(name);
    if (effect !== cleanEffect)
      differences.push(
        `effect "${name}" is ${cut(effect ?? '')} where the clean run's is ${cut(cleanEffect)}`,
      );
  }
  return differences;
}

/** How many differing fields a difference names before it counts the rest. */
const MAX_FIELDS = 3;

/** The fields (dotted paths) whose values differ between two JSON texts, with both values. */
function fieldDifferences(text: string, cleanText: string): string {
  const values = leaves(JSON.parse(text) as unknown);
  const cleanValues = leaves(JSON.parse(cleanText) as unknown);
  const paths = [...new Set([...values.keys(), ...cleanValues.keys()])].filter(
    (path) => values.get(path) !== cleanValues.get(path),
  );
  const named = paths
    .slice(0, MAX_FIELDS)
    .map(
      (path) =>
        `${path} is ${cut(values.get(path) ?? 'absent')} where the clean run has ${cut(cleanValues.get(path) ?? 'absent')}`,
    );
  const more = paths.length > MAX_FIELDS ? ` (and ${paths.length - MAX_FIELDS} more fields)` : '';
  return named.join('; ') + more;
}

/** Every leaf value of a JSON value by its dotted path, as JSON text. */
function leaves(value: unknown, path = '', into = new Map<string, string>()): Map<string, string> {
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      leaves(item, path ? `${path}.${key}` : key, into);
    if (Object.keys(value).length === 0) into.set(path, JSON.stringify(value));
  } else into.set(path, JSON.stringify(value));
  return into;
}

function typesOf(snapshot: StateSnapshot): string {
  return snapshot.messages.map((message) => message.type).join(', ') || 'none';
}

const MAX_QUOTED = 300;

function cut(text: string): string {
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}
