/** A KV value as JSON, or undefined when it is not JSON (the schema check that follows refuses it). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
