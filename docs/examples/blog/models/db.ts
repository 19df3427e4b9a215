// The blog's database: users (auth), posts and comments.
export const db = new DAL('sqlite://storage.sqlite')

// Mail: 'logging' writes each message to private/mail.log (development).
export const mail = new Mail({ server: 'logging', sender: 'noreply@example.com' })

export const auth = new Auth(db, { mailer: mail })
auth.defineTables()

db.defineTable('post',
  Field('title', 'string', { notnull: true, requires: IS_NOT_EMPTY() }),
  Field('body', 'text', { notnull: true, requires: IS_NOT_EMPTY() }),
  Field('image', 'upload', { requires: IS_EMPTY_OR(IS_IMAGE()) }),
  Field('author', 'reference auth_user', { default: auth.user?.id, writable: false, readable: false }),
  Field('created_on', 'datetime', { notnull: true, default: () => new Date(), writable: false }),
  { format: '%(title)s' })

db.defineTable('comment',
  Field('post', 'reference post', { writable: false, readable: false }),
  Field('body', 'text', { notnull: true, requires: IS_NOT_EMPTY(), label: 'Your comment' }),
  Field('author', 'reference auth_user', { default: auth.user?.id, writable: false, readable: false }),
  Field('created_on', 'datetime', { notnull: true, default: () => new Date(), writable: false, readable: false }))
