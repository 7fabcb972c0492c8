// Temporal wraps what went wrong in layers (WorkflowFailedError > ChildWorkflowFailure >
// ActivityFailure > ApplicationFailure); the CLI's messages come from the layer that says why.

/** The error's causes, outermost first (the error itself excluded). */
export function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  let current = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  while (current instanceof Error && chain.length < 10) {
    chain.push(current);
    current = (current as Error & { cause?: unknown }).cause;
  }
  return chain;
}

/** The innermost cause (or the error itself), with its failure type when it is an ApplicationFailure. */
export function rootCause(error: unknown): { type?: string; message: string } {
  const deepest = causes(error).pop() ?? error;
  return { type: (deepest as { type?: string }).type, message: deepest instanceof Error ? deepest.message : String(error) };
}
