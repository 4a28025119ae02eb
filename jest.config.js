/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // The packed-install consumer app is a separate project (its own package.json, node_modules and
  // dist when run by hand): keep jest from collecting tests or modules there.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/package/consumer-app/'],
  modulePathIgnorePatterns: ['<rootDir>/test/package/consumer-app/'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    // isolatedModules is set through the inline tsconfig override (merged over tsconfig.json):
    // the ts-jest option of the same name is deprecated in ts-jest 29.4.
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
  },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/.ci/summary-reporter.js'],
};
