import { faults } from './faults/fault.scheduler';
import type { HarnessReport } from './harness.run';

/** The human report, then one `report {json}` line for scripts and the CI spec. */
export function formatReport(report: HarnessReport): string {
  const lines: string[] = [];
  lines.push(
    `== fault-injection harness on ${report.db}: seed ${report.seed} ` +
      `(replay: --db ${report.db} --seed ${report.seed})`,
  );
  lines.push('processes:');
  for (const { label, pids, unexpectedExits } of report.processes) {
    const restarts = pids.length - 1;
    const extra = unexpectedExits.length ? `, ${unexpectedExits.length} unexpected exit(s)` : '';
    lines.push(`  ${label.padEnd(12)} ${pids.length} process(es), ${restarts} restart(s)${extra}`);
  }
  const business = Object.entries(report.businessProcesses).map(([k, n]) => `${k} ${n}`);
  lines.push(`business processes: ${business.join(', ')}`);
  lines.push('faults injected:');
  // Every kind, those that never fired too: a soak must show each of them.
  for (const kind of Object.keys(faults))
    lines.push(`  ${kind.padEnd(24)} ${report.faults.injected[kind] ?? 0}`);
  lines.push(
    `  (idle moments ${report.faults.idle}, injection errors ${report.faults.errors.length})`,
  );
  for (const error of [...new Set(report.faults.errors)].slice(0, 5))
    lines.push(`    injection error: ${error.slice(0, 200)}`);
  lines.push('endpoints:');
  for (const [name, stats] of Object.entries(report.endpoints))
    lines.push(
      `  ${name}: inbox records ${stats.handled}, duplicates suppressed ${stats.duplicatesSuppressed}, ` +
        `redeliveries ${stats.redeliveries} (stalled ${stats.stalled}), completed jobs ${stats.completedJobs}`,
    );
  const calls = report.outboxCalls;
  lines.push(
    `A's @Outbox() calls: ${calls.attempts} attempt(s), ${calls.failed} failed, ` +
      `${calls.deadlocks} deadlock victim(s), longest ${calls.worstMs} ms`,
  );
  lines.push(
    `time: setup ${report.setupS.toFixed(1)} s, faults ${report.faultPhaseS.toFixed(1)} s, to quiescence ${report.quiescenceS.toFixed(1)} s, ` +
      `total ${report.totalS.toFixed(1)} s`,
  );
  lines.push('invariants:');
  for (const invariant of report.invariants)
    lines.push(`  ${invariant.ok ? 'PASS' : 'FAIL'} ${invariant.name}: ${invariant.detail}`);
  lines.push(report.ok ? 'RESULT: all invariants hold' : 'RESULT: VIOLATIONS FOUND');
  lines.push(`report ${JSON.stringify(report)}`);
  return lines.join('\n');
}
