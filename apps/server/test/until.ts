/**
 * Waits for a positive signal: polls `condition` until it holds, failing after `timeoutMs`. Tests
 * wait on what they expect to see, never on a fixed sleep.
 */
export async function until(
  condition: () => Promise<boolean>,
  timeoutMs = 10_000,
  pollMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
