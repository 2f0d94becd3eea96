/**
 * The CDK app entry: settings from context (cdk.json defaults, `-c key=value` overrides), then the
 * primary stack and, with `replicaRegion` set, the replica stack. Works with no AWS credentials.
 */
import { App } from 'aws-cdk-lib';
import { buildPromptOpsApp } from '../lib/promptops-app.ts';

buildPromptOpsApp(new App());
