import type { BenchOptions, ScenarioName } from '../bench-options';
import type { BenchEnv } from './bench-env';
import type { RunResult } from './meter';
import { measuredProcesses } from './server-counters';

/** A table as printed: a title, column headers, rows of cells. */
export interface PrintedTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** One target of the issue, checked. */
export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean;
}

export interface ScenarioResult {
  name: ScenarioName;
  tables: PrintedTable[];
  targets: TargetCheck[];
  /** Everything measured, for bench-results/latest.json. */
  data: Record<string, unknown>;
  seconds: number;
}

/** What scenarios share: the bench's connections, the options, figures earlier ones measured. */
export interface ScenarioContext {
  env: BenchEnv;
  options: BenchOptions;
  /** Consistent msgs/s at concurrency 16, once the throughput scenario has run. */
  consistentPerSecondAt16?: number;
  log(line: string): void;
}

export type Scenario = (context: ScenarioContext) => Promise<Omit<ScenarioResult, 'seconds'>>;

export function formatTable(table: PrintedTable): string {
  const widths = table.columns.map((column, i) =>
    Math.max(column.length, ...table.rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    table.title,
    line(table.columns),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...table.rows.map(line),
  ].join('\n');
}

/** 1234.5 -> "1,235"; fractions for small values. */
export function figure(value: number | undefined, decimals?: number): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  const digits = decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(2);
}

export function passFail(pass: boolean): string {
  return pass ? 'PASS' : 'FAIL';
}

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Median; the mean of the middle two for an even count. */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** CPU ms per message of each process (node, the database server, redis), and of the three. */
export function cpuRows(runs: RunResult[]): string[][] {
  return [
    ...measuredProcesses().map((name) => [
      `CPU ms, ${name}`,
      ...runs.map((run) => figure(run.perMessage.cpuMs[name], 3)),
    ]),
    ['CPU ms, all three', ...runs.map((run) => figure(totalCpuMs(run), 3))],
    ['CPU ms, other processes', ...runs.map((run) => figure(otherCpuMs(run), 3))],
  ];
}

/** CPU the rest of the machine used meanwhile, per message: other people's load, a noise gauge. */
export function otherCpuMs(run: RunResult): number {
  const machine = run.perMessage.cpuMs.machine;
  return machine === undefined ? NaN : Math.max(0, machine - totalCpuMs(run));
}

export function totalCpuMs(run: RunResult): number {
  return measuredProcesses().reduce((sum, name) => sum + (run.perMessage.cpuMs[name] ?? 0), 0);
}
