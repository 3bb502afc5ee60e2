// Safe for: workflow (@temporalio/common; no I/O)
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** `App`: the app a deploy or rollback belongs to; every workflow of an app is findable by it. */
export const APP_SEARCH_ATTRIBUTE = defineSearchAttributeKey('App', SearchAttributeType.KEYWORD);

/** `DeployVersion`: the version a deploy ships (or a rollback flips to). */
export const DEPLOY_VERSION_SEARCH_ATTRIBUTE = defineSearchAttributeKey('DeployVersion', SearchAttributeType.KEYWORD);

/** Every custom search attribute the project registers on a Temporal namespace. */
export const SEARCH_ATTRIBUTE_KEYS = [APP_SEARCH_ATTRIBUTE, DEPLOY_VERSION_SEARCH_ATTRIBUTE] as const;
