// OpenNext's Cloudflare settings. ISR pages need an incremental cache that survives one request:
// Workers KV (binding NEXT_INC_CACHE_KV in wrangler.jsonc). "direct" revalidates in the same
// Worker invocation, so no Durable Object queue has to be provisioned.
import { defineCloudflareConfig } from '@opennextjs/cloudflare';
import kvIncrementalCache from '@opennextjs/cloudflare/overrides/incremental-cache/kv-incremental-cache';

export default defineCloudflareConfig({
  incrementalCache: kvIncrementalCache,
  queue: 'direct',
});
