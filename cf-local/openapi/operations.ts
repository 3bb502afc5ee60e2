/**
 * The emulator's entry to the schema: route a request to its operation, check it, and check
 * what is answered. See README.md beside this file.
 */
export { findOperation, pathIsKnown, type MatchedOperation } from './routing.ts';
export { validateRequest, validateResponse, type RequestParts, type ValidationIssue, type OperationRef } from './validate.ts';
export { openApiDocument } from './schema.ts';
