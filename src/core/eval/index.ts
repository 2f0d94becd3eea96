/** Evaluation suites: parsing, variable checks, assertions, prices, providers' interface and the runner. */
export * from './assertions/index.ts';
export * from './errors.ts';
export * from './json-in-text.ts';
export * from './judge.ts';
export * from './limits.ts';
export * from './prices.ts';
export * from './provider.ts';
export * from './runner.ts';
export * from './suite.ts';
export * from './suite-variables.ts';
