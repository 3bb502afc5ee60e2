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
