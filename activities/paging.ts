/**
 * Walking Cloudflare's page-numbered lists (`V4PagePaginationArray`: DNS records, Pages
 * deployments) without the request the SDK's `for await` makes for the empty page past the end.
 * The SDK asks for page N+1 until a page comes back empty; `result_info` already says when the
 * last page was reached, and every request counts against the token's 1,200 per 5 minutes.
 */

/** The part of the SDK's page object this needs. */
export interface NumberedPage<T> {
  getPaginatedItems(): T[];
  hasNextPage(): boolean;
  getNextPage(): Promise<NumberedPage<T>>;
  result_info?: { page?: number; per_page?: number; count?: number; total_count?: number };
}

/** Every item of the list, fetching only the pages that hold items. */
export async function* listItems<T>(first: PromiseLike<NumberedPage<T>>): AsyncGenerator<T> {
  let page = await first;
  let seen = 0;
  for (;;) {
    const items = page.getPaginatedItems();
    yield* items;
    seen += items.length;
    const info = page.result_info ?? {};
    if (items.length === 0 || !page.hasNextPage()) return;
    if (typeof info.total_count === 'number' && seen >= info.total_count) return;
    if (typeof info.per_page === 'number' && items.length < info.per_page) return;
    page = await page.getNextPage();
  }
}
