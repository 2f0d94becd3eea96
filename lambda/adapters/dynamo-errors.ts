/** True for DynamoDB's "condition not met" (a conditional write that wrote nothing). */
export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
