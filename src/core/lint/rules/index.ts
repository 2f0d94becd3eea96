import type { LintRule } from '../types.ts';
import { documentSize } from './document-size.ts';
import { injectionDelimiters } from './injection-delimiters.ts';
import { injectionGuardrails } from './injection-guardrails.ts';
import { injectionInstructions } from './injection-instructions.ts';
import { injectionRoleVariable } from './injection-role-variable.ts';
import { modelSettings } from './model-settings.ts';
import { requiredSections } from './required-sections.ts';
import { secrets } from './secrets.ts';
import { templateSyntax } from './template-syntax.ts';
import { undeclaredVariables } from './undeclared-variables.ts';
import { unusedVariables } from './unused-variables.ts';

/** Every rule, in the order findings are reported for the same line. */
export const LINT_RULES: readonly LintRule[] = [
  requiredSections,
  templateSyntax,
  undeclaredVariables,
  unusedVariables,
  documentSize,
  modelSettings,
  secrets,
  injectionRoleVariable,
  injectionGuardrails,
  injectionDelimiters,
  injectionInstructions,
];
