// The app's database and its users (models run on every request; both are cheap to define).
export const db = new DAL('sqlite://storage.sqlite')
// db.defineTable('thing', Field('name', 'string'), Field('value', 'integer', { default: 0 }))

// Mail: 'logging' writes each message to private/mail.log (development);
// give an SMTP server ('smtp://user:password@host:587') to really send.
export const mail = new Mail({ server: 'logging', sender: 'noreply@example.com' })

// Registration, login, groups and permissions: /welcome/default/user/login, /register, ...
export const auth = new Auth(db, { mailer: mail })
auth.defineTables()

/** A short tag shown in the page footer: which database the app uses. */
export const databaseLabel = 'sqlite (storage.sqlite)'
