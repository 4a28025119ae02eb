/**
 * Fault-injection harness (issue 5): a chain A → B → C of endpoints in separate processes, faults
 * at seeded random moments, then invariants counted in the database (MariaDB/MySQL or PostgreSQL).
 *
 *   npm run harness -- [--db mariadb|postgres] [--seed N] [--duration S] [--processes N]
 *                      [--b-workers N] [--c-workers N] [--verbose]
 *                      [--faults "Redis data loss,garbage job"]
 *
 * Exits 0 when every invariant holds, 1 on a violation, 2 when the run itself failed.
 */
import 'reflect-metadata';
import { ensureServices } from '../test/support/ensure-services';
import { runHarness } from './harness.run';
import { HARNESS_HELP, parseHarnessOptions } from './harness.options';
import { formatReport } from './report.printer';

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${HARNESS_HELP}\n`);
    return;
  }
  const options = parseHarnessOptions(process.argv.slice(2));
  if (options.db === 'postgres') ensureServices('postgres');
  const log = (line: string) => process.stderr.write(`[harness] ${line}\n`);
  log(
    `${options.db}, seed ${options.seed}, ${options.durationS} s of faults, ${options.processes} processes, ` +
      `B x${options.bWorkers}, C x${options.cWorkers}` +
      (options.faultKinds ? `, faults: ${options.faultKinds.join(', ')}` : ''),
  );
  const report = await runHarness(options, log);
  process.stdout.write(`${formatReport(report)}\n`);
  process.exit(report.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`[harness] run failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(2);
});
