import { appNameSchema } from '../../core/metadata.ts';

/**
 * The app a hostname belongs to, or null. Only `<app>.<appsDomain>` qualifies, with `<app>` one
 * DNS label that is a valid app name. DNS names are case-insensitive and one trailing dot is the
 * same name (FQDN form); a port is not part of a hostname (callers pass `URL.hostname`).
 * Anything else — the apps domain itself, deeper names, other domains, IPs — is not an app.
 */
export function appFromHostname(hostname: string, appsDomain: string): string | null {
  let host = hostname.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  const suffix = `.${appsDomain}`;
  if (host.length <= suffix.length || !host.endsWith(suffix)) return null;
  const label = host.slice(0, -suffix.length);
  return appNameSchema.safeParse(label).success ? label : null;
}

/** Bounded, so made-up hostnames cannot grow the isolate's memory. */
const MAX_REMEMBERED_HOSTS = 1000;
const remembered = new Map<string, string | null>();

/** {@link appFromHostname}, remembered per isolate: the hot path skips the schema check. */
export function cachedAppForHost(hostname: string, appsDomain: string): string | null {
  const key = `${appsDomain} ${hostname}`;
  let app = remembered.get(key);
  if (app === undefined) {
    app = appFromHostname(hostname, appsDomain);
    if (remembered.size >= MAX_REMEMBERED_HOSTS) remembered.clear();
    remembered.set(key, app);
  }
  return app;
}
