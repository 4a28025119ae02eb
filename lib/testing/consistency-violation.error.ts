import type { ConsistencyReport } from './test-kit.interfaces';

/** A report as text: one line per scenario, one per difference under it. */
export function describeReport(report: ConsistencyReport): string {
  const lines = [`${report.messageType}: ${report.consistent ? 'consistent' : 'NOT consistent'}`];
  for (const { scenario, applies, differences } of report.scenarios) {
    const verdict = !applies
      ? 'does not apply'
      : differences.length === 0
        ? 'same as clean'
        : 'differs';
    lines.push(`- ${scenario}: ${verdict}`);
    for (const difference of differences) lines.push(`    ${scenario}: ${difference}`);
  }
  return lines.join('\n');
}

/** A handler left a different state under some fault than after one clean delivery. */
export class ConsistencyViolationError extends Error {
  constructor(readonly report: ConsistencyReport) {
    super(describeReport(report));
    this.name = 'ConsistencyViolationError';
  }
}
