// The app's database. Uncomment when the DAL is available:
// export const db = new DAL('sqlite://storage.sqlite')
// db.defineTable('thing', Field('name', 'string'), Field('value', 'integer', { default: 0 }))

/** A short tag shown in the page footer: which database the app uses. */
export const databaseLabel = 'sqlite (storage.sqlite)'
