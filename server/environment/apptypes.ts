/**
 * Framework names as app code sees them once its DALs are typed (types only;
 * the generated declaration file uses them, see types.ts):
 *
 *   TypedSQLFORM    SQLFORM(db.note).vars typed by the table
 *   TypedAuth       auth.user and auth.tableUser typed with the app's user table (its extra fields too)
 *   Widen<F>        a framework function or class whose parameters also take the typed views
 *                   (IS_IN_DB(db, db.thing.id), new Auth(db), new Scheduler(db))
 */
import type { AnyTyped, Schema, TableSpec, TypedTable } from '../dal/typed'
import type { SqlForm, SqlFormOptions } from '../forms'

/** A form on table S: `vars` holds the table's values (after process(), the accepted ones, id included). */
export type TypedSqlForm<S extends TableSpec> = Omit<SqlForm, 'vars' | 'process' | 'record'> & {
  vars: Partial<S['row']>
  record: S['row'] | null
  process(...args: Parameters<SqlForm['process']>): Promise<TypedSqlForm<S>>
}

export interface TypedSQLFORM {
  <N extends string, S extends TableSpec, Sch extends Schema>(table: TypedTable<N, S, Sch>, record?: number | string | Partial<S['row']> | null, options?: SqlFormOptions): TypedSqlForm<S>
}

/** An Auth over a typed db whose user table is U. */
export type TypedAuth<A, Sch extends Schema, U extends string> = Omit<A, 'user' | 'tableUser'> & (U extends keyof Sch ? {
  /** the logged-in user (the password field left out at run time), or null */
  readonly user: Sch[U]['row'] | null
  readonly tableUser: TypedTable<U, Sch[U], Sch>
} : unknown)

type WidenArgs<A extends unknown[]> = { [K in keyof A]: A[K] | AnyTyped }
/** F, whose parameters also accept the typed views (the same objects at run time). */
export type Widen<F> =
  (F extends abstract new (...a: infer A) => infer R ? new (...a: WidenArgs<A>) => R : unknown) &
  (F extends (...a: infer A) => infer R ? (...a: WidenArgs<A>) => R : unknown) & F
