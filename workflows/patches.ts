/**
 * Every `patched()` id the workflows use. Each guards a change
 * made after histories were recorded (workflows/__fixtures__, replay.test.ts): a history without
 * the patch's marker replays the old code path. Remove one only once no deploy started before it
 * can still be running or replayed.
 */

/**
 * Guards the webhook call added after the first recorded histories: deploys started by an older
 * worker replay without it (their history ends at the workflow's completion).
 */
export const NOTIFY_PATCH = 'nextdeploy-notify-webhook';

/**
 * Guards the cancelling of a running wait (build, certificate, checks) by a rollback signal,
 * added after the first recorded histories: their replays keep waiting the wait out.
 */
export const INTERRUPTIBLE_WAITS_PATCH = 'nextdeploy-rollback-interrupts-waits';

/**
 * The domain step attaches inside its poll (one activity and one workflow task fewer per deploy);
 * histories recorded before replay the separate attach.
 */
export const DOMAIN_ATTACH_IN_POLL_PATCH = 'nextdeploy-domain-attach-in-poll';

/**
 * An app with nothing live announces its version (pending, with its deployment) before the
 * custom domain is attached, so the router can pass the certificate authority's validation
 * request to that deployment; histories recorded before replay without the announcement.
 */
export const ANNOUNCE_BEFORE_DOMAIN_PATCH = 'nextdeploy-announce-before-domain';
