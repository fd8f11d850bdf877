/**
 * The types of a schema field as the verifier, the encoder and the decoder see it:
 * where its bytes are (`Field`), and bound to its declaration (`BoundField`). The
 * binding itself is in `bind.ts`; the tables it makes are in `layout.ts`.
 *
 * @module
 */

import type { NumberShape, Shape } from "../metrics/shape.ts";

/** A scalar field: its vtable slot and its width in bytes. */
export interface ScalarField {
  /** Always `"scalar"`. */
  readonly kind: "scalar";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes it occupies inside the table. */
  readonly size: 1 | 2 | 4 | 8;
}

/** A struct stored inline in its table: its vtable slot and its size in bytes. */
export interface StructField {
  /** Always `"struct"`. */
  readonly kind: "struct";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes it occupies inside the table (the generated `sizeOf()`). */
  readonly size: number;
}

/** A field holding a 4-byte offset to a vector of scalars. */
export interface ScalarsField {
  /** Always `"scalars"`. */
  readonly kind: "scalars";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** Bytes of one element. */
  readonly size: 1 | 2 | 4 | 8;
}

/** A field holding a 4-byte offset to a string, a table or a vector of tables. */
export interface ReferenceField {
  /** What the offset points to. */
  readonly kind: "string" | "table" | "tables";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** The fields of the table (or of each table of the vector) by slot; empty for a string. */
  readonly fields: readonly Field[];
}

/** One field of a table, as far as its bytes go. */
export type Field = ScalarField | StructField | ScalarsField | ReferenceField;

/** What a bound field adds: its names and its declared shape. */
export interface Named {
  /** TypeScript name (camelCase). */
  readonly key: string;
  /** Schema name (snake_case). */
  readonly wire: string;
  /** Its declared shape. */
  readonly shape: Shape;
}

/** A scalar bound to its declaration; an enum's schema names by wire value (else empty). */
export interface BoundScalar extends ScalarField, Named {
  /** An enum's schema names by wire value; empty for other scalars. */
  readonly names: readonly string[];
}

/** One member of a struct: where it sits from the struct's start. */
export interface StructMember {
  /** TypeScript name. */
  readonly key: string;
  /** Bytes from the start of the struct. */
  readonly offset: number;
  /** Its shape (a number). */
  readonly shape: NumberShape;
}

/** A struct bound to its declaration, with its members. */
export interface BoundStruct extends StructField, Named {
  /** Its alignment in bytes. */
  readonly align: number;
  /** Its members in schema order. */
  readonly members: readonly StructMember[];
}

/** A vector of scalars bound to its declaration. */
export interface BoundScalars extends ScalarsField, Named {}

/** A string, table or vector of tables bound to its declaration, with its own fields. */
export interface BoundReference extends Named {
  /** What the offset points to. */
  readonly kind: "string" | "table" | "tables";
  /** Index of the field in its table's vtable. */
  readonly slot: number;
  /** The fields of the table (or of each table of the vector) by slot; empty for a string. */
  readonly fields: readonly BoundField[];
}

/** One field of a table bound to its declaration. */
export type BoundField = BoundScalar | BoundStruct | BoundScalars | BoundReference;
