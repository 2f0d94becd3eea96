/**
 * Ties a request schema to the request type of the wire contract (src/core/api.ts): the schema's
 * output must be exactly that type (readonly aside), or the schema does not compile. The CLI sends
 * the type; the handler parses with the schema; neither can gain or lose a field alone.
 */
import type * as v from 'valibot';

/** Readonly all the way down, so mutable schema outputs compare with the readonly wire types. */
type Frozen<T> = T extends readonly (infer E)[]
  ? readonly Frozen<E>[]
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

/** Exact equality: optional, extra and missing members all count. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export type OutputIs<TSchema extends v.GenericSchema, TWire> =
  Same<Frozen<v.InferOutput<TSchema>>, Frozen<TWire>> extends true ? TSchema : never;

/** `wireSchema<PublishRequest>()(schema)`: the schema, checked against the wire type at compile time. */
export function wireSchema<TWire>() {
  return <const TSchema extends v.GenericSchema>(schema: TSchema & OutputIs<TSchema, TWire>): TSchema =>
    schema;
}
