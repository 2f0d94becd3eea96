/**
 * `npm start`: local mode is not built yet. Until it is, say so and point at what works today.
 */
console.log(`PromptOps local mode (npm start) is coming in a later release: it will run the whole system
on this machine with no AWS account.

What works today:
  npm test         lint, typecheck and unit tests
  npm run bench    benchmarks (writes bench/results.json)
  npx cdk synth    synthesize the CDK app (no AWS credentials needed)
`);
