/**
 * The DAL as app code sees it: types only (nothing here runs).
 *
 * The runtime classes (DAL, Table, Field, DALSet, Rows) carry their
 * internals (`_db`, `_dialect`, `_fieldList`, ...) for the framework's own
 * rooms. App code never sees those classes: the app's generated declaration
 * file (environment/types.ts) types every DAL the models export as
 * `TypedDAL<Schema>`, made from the live schema, so `db.` completes the
 * tables and the public methods only, `db.note.` the fields, and
 * `db.nosuch` / `db.note.nosuch` / `db.note.id.gt('x')` are errors.
 *
 * A value of these types IS the runtime object: the one internal symbol
 * `[RUNTIME]` (never in completions: app code cannot name it) holds its
 * runtime type, so `runtimeOf(x)` and the framework's signatures
 * (environment/apptypes.ts widens them) accept it.
 *
 * Schema: `{ [table]: { row: { field: value type }, refs: { field: table }, listRefs: { field: table } } }`,
 * written by the generator with the mapping of README "Types".
 */
import type { Expression, Query, SubSelect, ContainsValue, ContainsOptions, AffixOptions } from './expression'
import type { LikeOptions } from './like'
import type { DALSet, CacheModel } from './set'
import type { Rows as RuntimeRows } from './rows'
import type { Table as RuntimeTable } from './table'
import type { DAL as RuntimeDAL, DALOptions, LazyTableSpec } from './dal'
import type { Field as RuntimeField, VirtualField, MethodField } from './field'
import type { TableOptions } from './table'
import type { CsvExportOptions, CsvImportOptions } from './csv'

/** The one internal member of the typed views: a symbol app code has no name for. */
export declare const RUNTIME: unique symbol
/** The table names of a query (type only: which tables a select returns). */
declare const TABLES: unique symbol

export interface TableSpec {
  row: Record<string, unknown>
  refs: Record<string, string>
  listRefs: Record<string, string>
}
export type Schema = Record<string, TableSpec>

/** A table the schema does not know (defined after the types were written): every field `any`. */
export interface LooseSpec { row: Record<string, any>; refs: Record<string, string>; listRefs: Record<string, string> }
export type LooseSchema = Record<string, LooseSpec>

type Str<K> = K & string

/** A value or another expression of the same value type. */
export type Operand<T> = T | TypedExpression<T, any> | Expression

/** A query over the tables N. */
export type TypedQuery<N extends string = string> = QueryMethods<N> & Query
interface QueryMethods<N extends string> {
  readonly [TABLES]?: N
  and<M extends string>(q: TypedQuery<M>): TypedQuery<N | M>
  or<M extends string>(q: TypedQuery<M>): TypedQuery<N | M>
  not(): TypedQuery<N>
}

/** An expression whose value is a T (a field of table N, or an aggregate of one). */
export interface TypedExpression<T, N extends string = string> {
  readonly [RUNTIME]: Expression
  readonly [TABLES]?: N
  eq(v: T | null): TypedQuery<N>
  eq<M extends string>(v: TypedExpression<T, M> | Expression): TypedQuery<N | M>
  ne(v: T | null): TypedQuery<N>
  ne<M extends string>(v: TypedExpression<T, M> | Expression): TypedQuery<N | M>
  lt(v: T): TypedQuery<N>
  lt<M extends string>(v: TypedExpression<T, M> | Expression): TypedQuery<N | M>
  le(v: T): TypedQuery<N>
  le<M extends string>(v: TypedExpression<T, M> | Expression): TypedQuery<N | M>
  gt(v: T): TypedQuery<N>
  gt<M extends string>(v: TypedExpression<T, M> | Expression): TypedQuery<N | M>
  ge(v: T): TypedQuery<N>
  ge<M extends string>(v: TypedExpression<T, M> | Expression): TypedQuery<N | M>
  like(pattern: string, options?: LikeOptions): TypedQuery<N>
  ilike(pattern: string, options?: Omit<LikeOptions, 'caseSensitive'>): TypedQuery<N>
  regexp(pattern: string): TypedQuery<N>
  belongs(values: readonly (T extends readonly (infer E)[] ? E : T)[] | SubSelect): TypedQuery<N>
  contains(v: ContainsValue, options?: ContainsOptions): TypedQuery<N>
  startsWith(v: string | number, options?: AffixOptions): TypedQuery<N>
  endsWith(v: string | number, options?: AffixOptions): TypedQuery<N>
  isNull(): TypedQuery<N>
  isNotNull(): TypedQuery<N>
  count(distinct?: boolean): TypedExpression<number, N>
  sum(): TypedExpression<T, N>
  min(): TypedExpression<T, N>
  max(): TypedExpression<T, N>
  avg(): TypedExpression<number, N>
  lower(): TypedExpression<string, N>
  upper(): TypedExpression<string, N>
  len(): TypedExpression<number, N>
  abs(): TypedExpression<T, N>
  epoch(): TypedExpression<number, N>
  coalesce(...others: Operand<T>[]): TypedExpression<T, N>
  add(v: Operand<T>): TypedExpression<T, N>
  sub(v: Operand<T>): TypedExpression<T, N>
  mul(v: Operand<T>): TypedExpression<T, N>
  div(v: Operand<T>): TypedExpression<T, N>
  mod(v: Operand<T>): TypedExpression<T, N>
  year(): TypedExpression<number, N>
  month(): TypedExpression<number, N>
  day(): TypedExpression<number, N>
  hour(): TypedExpression<number, N>
  minute(): TypedExpression<number, N>
  second(): TypedExpression<number, N>
  desc(): TypedExpression<T, N>
  withAlias(alias: string): TypedExpression<T, N>
}

/** A field of table N whose values are T: an expression, plus the column facts forms and grids read. */
export interface TypedField<T, N extends string = string, F extends string = string> extends TypedExpression<T, N> {
  readonly [RUNTIME]: RuntimeField
  readonly name: F
  readonly type: string
  readonly tablename: N
  readonly length: number
  readonly referenced?: string
  default: T | (() => T) | undefined
  label: string
  comment?: string
  readable: boolean
  writable: boolean
  required: boolean
  notnull: boolean
  unique: boolean
  requires: RuntimeField['requires']
  represent?: (value: T, row?: any) => unknown
  update?: unknown
  compute?: (row: Record<string, any>) => unknown
  widget?: unknown
  uploadfolder?: string
}

/** A row of table S (references are ids; `ref(field)` reads the referenced row). */
export type TypedRow<S extends TableSpec, Sch extends Schema> = S['row'] & RowMethods<S, Sch>
export interface RowMethods<S extends TableSpec, Sch extends Schema> {
  updateRecord(values?: Partial<InsertValues<S>>): Promise<number>
  deleteRecord(): Promise<number>
  ref<K extends Str<keyof S['refs']>>(field: K): Promise<S['refs'][K] extends keyof Sch ? TypedRow<Sch[S['refs'][K]], Sch> | null : never>
  ref<K extends Str<keyof S['listRefs']>>(field: K): Promise<S['listRefs'][K] extends keyof Sch ? Rows<TypedRow<Sch[S['listRefs'][K]], Sch>> : never>
  referencing<M extends Str<keyof Sch>>(tablename: M, fieldname?: Str<keyof Sch[M]['row']>): TypedSet<Sch, M>
  get<V>(e: TypedExpression<V, any>): V
  get(e: string | Expression): unknown
}

/** What a select returns for the tables N: one table's rows, or a join's rows keyed by table. */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never
export type SelectRow<Sch extends Schema, N extends string> =
  [N] extends [never] ? Record<string, unknown> & { get(e: Expression | TypedExpression<unknown, any> | string): unknown } :
  true extends IsUnion<N> ? { [K in N]: K extends keyof Sch ? TypedRow<Sch[K], Sch> : never } & { get<V>(e: TypedExpression<V, any>): V; get(e: Expression | string): unknown } :
  N extends keyof Sch ? TypedRow<Sch[N], Sch> : Record<string, any>

/** Typed Rows: iterable, indexed, first() possibly null. */
export interface Rows<R> extends Iterable<R> {
  readonly [RUNTIME]: RuntimeRows
  readonly [index: number]: R
  readonly length: number
  readonly records: R[]
  readonly colnames: string[]
  first(): R | null
  last(): R | null
  map<U>(fn: (r: R, i: number) => U): U[]
  find(f: (r: R) => unknown, limitby?: [number, number]): Rows<R>
  exclude(f: (r: R) => unknown): Rows<R>
  sort(f: (r: R) => unknown, reverse?: boolean): Rows<R>
  group(key: string | ((r: R) => unknown)): Map<unknown, Rows<R>>
  asList(): Record<string, unknown>[]
  asDict(key?: string): Record<string, Record<string, unknown>>
  toJSON(): Record<string, unknown>[]
  render(): Record<string, unknown>[]
  render(i: number): Record<string, unknown>
  exportToCsv(options?: CsvExportOptions): string
}

/** Values an insert takes: known fields only, each of its type (null where the column allows). */
export type InsertValues<S extends TableSpec> = { [K in keyof S['row']]?: S['row'][K] | null }

export interface TypedJoin<N extends string> { readonly [TABLES]?: N; table: RuntimeTable; query: Query }

/** Any typed table named N (for db(table) and select(table)). */
export interface TableRef<N extends string> { readonly [RUNTIME]: RuntimeTable; readonly _tablename: N }
type AnyColumn = TypedExpression<any, any> | Expression | TableRef<any>
export interface TypedSelectOptions<J extends string = never> {
  orderby?: AnyColumn | AnyColumn[] | '<random>'
  groupby?: AnyColumn | AnyColumn[]
  having?: Query
  limitby?: [number, number]
  distinct?: boolean
  left?: TypedJoin<J> | TypedJoin<J>[]
  join?: TypedJoin<J> | TypedJoin<J>[]
  cache?: [CacheModel, number | null] | { model: CacheModel; timeExpire?: number | null }
}
type ColumnTables<C> = C extends TypedExpression<any, infer N> ? N : C extends TableRef<infer N> ? N : C extends TypedSelectOptions<infer J> ? J : never

/**
 * A partial select, `select(db.note.id, db.note.title, {...})`: rows hold the selected fields only
 * (a join's, per table: `row.note.title`); aggregates and other expressions are read with `row.get(e)`.
 * A whole table among the columns (`select(db.note, db.person.name)`) or no field at all keeps SelectRow.
 */
type PickedTables<C> = C extends TypedField<any, infer N, any> ? N : never
type PickedFields<C, N extends string> = C extends TypedField<any, N, infer F> ? F : never
type Getter = { get<V>(e: TypedExpression<V, any>): V; get(e: Expression | string): unknown }
type PartialRow<Sch extends Schema, C, N extends string> =
  true extends IsUnion<N>
    ? { [K in N]: K extends keyof Sch ? Pick<Sch[K]['row'], PickedFields<C, K> & keyof Sch[K]['row']> : never } & Getter
    : N extends keyof Sch ? Pick<Sch[N]['row'], PickedFields<C, N> & keyof Sch[N]['row']> & Getter : Record<string, unknown> & Getter
export type ColumnsRow<Sch extends Schema, N extends string, A extends unknown[]> =
  [Extract<A[number], TableRef<any>>] extends [never]
    ? [PickedTables<A[number]>] extends [never] ? SelectRow<Sch, N | ColumnTables<A[number]>> : PartialRow<Sch, A[number], PickedTables<A[number]>>
    : SelectRow<Sch, N | ColumnTables<A[number]>>

/** db(query): the records of the tables N. */
export interface TypedSet<Sch extends Schema, N extends string> {
  readonly [RUNTIME]: DALSet
  where<M extends string>(q: TypedQuery<M>): TypedSet<Sch, N | M>
  select<J extends string = never>(options?: TypedSelectOptions<J>): Promise<Rows<SelectRow<Sch, N | J>>>
  select<A extends Array<AnyColumn | TypedSelectOptions<any>>>(...args: A): Promise<Rows<ColumnsRow<Sch, N, A>>>
  _select(...args: Array<AnyColumn | TypedSelectOptions<any>>): string
  count(distinct?: TypedExpression<any, any>): Promise<number>
  isEmpty(): Promise<boolean>
  update(values: N extends keyof Sch ? Partial<InsertValues<Sch[N]>> : Record<string, unknown>): Promise<number>
  delete(): Promise<number>
  nested(field: TypedExpression<any, any>): SubSelect
}

/** A table named N with the facts S, in a db of schema Sch: its fields as properties, then the methods. */
export type TypedTable<N extends string, S extends TableSpec, Sch extends Schema> =
  TableMethods<N, S, Sch> & { readonly [K in Str<keyof S['row']>]: TypedField<S['row'][K], N, K> }

export interface TableMethods<N extends string, S extends TableSpec, Sch extends Schema> {
  readonly [RUNTIME]: RuntimeTable
  /** field names, 'id' first */
  readonly fields: Str<keyof S['row']>[]
  readonly _tablename: N
  insert(values?: InsertValues<S>): Promise<number>
  bulkInsert(list: InsertValues<S>[]): Promise<number[]>
  get(key: number | string | Partial<S['row']>): Promise<TypedRow<S, Sch> | null>
  updateOrInsert(keys: Partial<S['row']> | TypedQuery<N>, values: InsertValues<S>): Promise<number>
  validateAndInsert(values: InsertValues<S>): Promise<{ id: number | null; errors: Partial<Record<Str<keyof S['row']>, string>> }>
  validateAndUpdate(key: number | TypedQuery<N>, values: InsertValues<S>): Promise<{ updated: number; errors: Partial<Record<Str<keyof S['row']>, string>> }>
  truncate(): Promise<number>
  drop(): Promise<void>
  on<M extends string>(query: TypedQuery<M>): TypedJoin<N>
  withAlias<A extends string>(alias: A): TypedTable<A, S, Sch>
  exportToCsv(options?: CsvExportOptions): Promise<string>
  importFromCsv(text: string, options?: CsvImportOptions): Promise<Map<number, number>>
}

type DefineArg = RuntimeField | VirtualField | MethodField | TableOptions

/** A db whose tables are Sch: `db.note`, `db(query)`, and the public methods. */
export type TypedDAL<Sch extends Schema> = DALMethods<Sch> & { readonly [K in Str<keyof Sch>]: TypedTable<K, Sch[K], Sch> } & {
  <M extends string = never>(query?: TypedQuery<M> | TableRef<M> | null): TypedSet<Sch, M>
}

export interface DALMethods<Sch extends Schema> {
  readonly [RUNTIME]: RuntimeDAL
  /** names of the defined tables, in definition order */
  readonly tables: Str<keyof Sch>[]
  defineTable<N extends string>(name: N, ...args: DefineArg[]): N extends keyof Sch ? TypedTable<N, Sch[N], Sch> : TypedTable<N, LooseSpec, Sch>
  defineLazyTable<C>(name: string, fields: (ctx: C) => DefineArg[], after?: (t: RuntimeTable, ctx: C) => void, ctx?: C): void
  defineLazyTables<C>(specs: readonly LazyTableSpec<C>[], ctx: C): void
  executesql(sql: string, params?: unknown[], options?: { asDict?: boolean }): Promise<any[]>
  commit(): Promise<void>
  rollback(): Promise<void>
  transaction<T>(fn: () => Promise<T>): Promise<T>
  exportToCsv(options?: CsvExportOptions): Promise<string>
  importFromCsv(text: string, options?: CsvImportOptions): Promise<void>
}

/** `new DAL(uri)` in app code: typed by the schema of the models' db on that URI, else loose. */
export interface TypedDALConstructor<Known extends Record<string, Schema> = {}> {
  new <U extends string>(uri: U, options?: DALOptions): TypedDAL<U extends keyof Known ? Known[U] : LooseSchema>
}

/** Anything typed here, for signatures that accept the typed views (environment/apptypes.ts). */
export type AnyTyped = { readonly [RUNTIME]: unknown }
/** The runtime object behind a typed view (the same object: a type-level conversion). */
export type RuntimeOf<T> = T extends { readonly [RUNTIME]: infer R } ? R : T
