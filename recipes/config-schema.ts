/**
 * Validation of a typed config value: the caller gives either a function that returns the
 * typed value (and throws on invalid input), or a schema object with `parse` (zod, valibot
 * adapters, ...). Warden depends on no schema library.
 *
 * Pure: no I/O.
 */

/** A function that turns untrusted JSON into `T`, throwing when it is not valid. */
export type ConfigValidator<T> = (value: unknown) => T;

/** Any object with a throwing `parse` (zod's shape). */
export interface ConfigSchema<T> {
  /** Returns `value` as a valid `T`, or throws (the message goes into InvalidConfigError). */
  parse(value: unknown): T;
}

/** What the `schema` option accepts: a validator function or a `{ parse }` schema object. */
export type ConfigCheck<T> = ConfigValidator<T> | ConfigSchema<T>;

/** Thrown or reported when a stored value is not valid JSON or fails the schema. */
export class InvalidConfigError extends Error {
  /** Always `'InvalidConfigError'`. */
  override name = 'InvalidConfigError';
  /** Always `'INVALIDCONFIG'`, for matching without `instanceof`. */
  readonly code = 'INVALIDCONFIG';
  constructor(
    /** Path of the config znode whose value (or the value to write) was rejected. */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`config ${path}: ${message}`, options);
  }
}

export function checkSchemaOption<T>(where: string, schema: unknown): (value: unknown) => T {
  if (typeof schema === 'function') return schema as ConfigValidator<T>;
  if (schema !== null && typeof schema === 'object' && typeof (schema as ConfigSchema<T>).parse === 'function') {
    const s = schema as ConfigSchema<T>;
    return (v) => s.parse(v);
  }
  throw new TypeError(`${where}: option \`schema\` must be a function (value) => T or an object with parse(value)`);
}

/** Decodes stored bytes (UTF-8 JSON) and validates them; InvalidConfigError on any failure. */
export function decodeConfig<T>(path: string, bytes: Uint8Array, validate: (value: unknown) => T): T {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e) {
    throw new InvalidConfigError(path, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
  try {
    return validate(raw);
  } catch (e) {
    throw new InvalidConfigError(path, `rejected by the schema: ${(e as Error).message}`, { cause: e });
  }
}

/** Validates, then encodes, a value to store (so an invalid value is never written). */
export function encodeConfig<T>(path: string, value: T, validate: (value: unknown) => T): Buffer {
  const text = JSON.stringify(value);
  if (text === undefined) throw new InvalidConfigError(path, 'the value is not representable as JSON');
  try {
    validate(JSON.parse(text));
  } catch (e) {
    throw new InvalidConfigError(path, `rejected by the schema: ${(e as Error).message}`, { cause: e });
  }
  return Buffer.from(text, 'utf8');
}
