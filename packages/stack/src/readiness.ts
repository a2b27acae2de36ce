/** `/ready` answered 200 and every dependency in its detail is `up` or `joined` (consumers included). */
async function serving(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3_000) });
    const body = (await response.json()) as { data?: Record<string, string> };
    return (
      response.ok && Object.values(body.data ?? {}).every((state) => state === 'up' || state === 'joined')
    );
  } catch {
    return false;
  }
}

/**
 * Waits until every service at `urls` serves and its consumers have joined their groups, so what
 * is registered right after "ready" reaches every consumer at once.
 */
export async function waitUntilServing(urls: string[], deadline: number): Promise<void> {
  const pending = new Set(urls);
  while (pending.size > 0) {
    for (const url of [...pending]) if (await serving(url)) pending.delete(url);
    if (pending.size === 0) return;
    if (Date.now() > deadline) throw new Error(`not ready in time: ${[...pending].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
