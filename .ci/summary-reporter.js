const fs = require('fs');
const path = require('path');

/**
 * Writes { passed, failed, total } to .test-results/summary.json (or the file TEST_SUMMARY names:
 * there, or anywhere when absolute) after each run, and ends the output with the plain line
 * `N passed, N failed`.
 */
class SummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
  }

  onRunComplete(_contexts, results) {
    const passed = results.numPassedTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const total = results.numTotalTests + results.numRuntimeErrorTestSuites;
    const summary = { passed, failed, total };
    const file = path.resolve(
      this.rootDir,
      '.test-results',
      process.env.TEST_SUMMARY || 'summary.json',
    );
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(summary) + '\n');
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
}

module.exports = SummaryReporter;
