/**
 * The CDK app. For now a skeleton so `npx cdk synth` works end to end with no AWS credentials; a later
 * issue builds the infrastructure (storage, API, AppConfig rollouts, alarms) into this stack.
 */
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import pkg from '../package.json' with { type: 'json' };

const app = new App();
const region = app.node.tryGetContext('region') as string | undefined;
if (!region) throw new Error('cdk.json context "region" is empty: set it or pass -c region=us-east-1');

const stack = new Stack(app, 'PromptOps', {
  env: { region, ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}) },
  description: `PromptOps ${pkg.version}`,
});
new CfnOutput(stack, 'Version', { value: pkg.version, description: 'The PromptOps version deployed' });
