/**
 * The message of a field that takes one of a few strings, written from the list it checks
 * against, so the message never drifts from the list.
 *
 * @example mustBeOneOf(['auto', 'webgpu', 'wasm']) // "must be 'auto', 'webgpu' or 'wasm'"
 */
export function mustBeOneOf(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`);
  return quoted.length < 2 ? `must be ${quoted.join('')}` : `must be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}
