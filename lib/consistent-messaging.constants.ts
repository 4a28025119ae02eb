export const CONSISTENT_MESSAGING_OPTIONS = Symbol('CONSISTENT_MESSAGING_OPTIONS');
export const MESSAGING_DATA_SOURCE = Symbol('CONSISTENT_MESSAGING_DATA_SOURCE');
/** The module extras as given when the module was defined (`forRoot`, or beside `useFactory`). */
export const MESSAGING_MODULE_EXTRAS = Symbol('CONSISTENT_MESSAGING_MODULE_EXTRAS');

export const CONSISTENT_HANDLER_METADATA = 'consistent-messaging:consistent-handler';
export const OUTBOX_METADATA = 'consistent-messaging:outbox';
export const MESSAGE_NAME_METADATA = 'consistent-messaging:message-name';
export const MESSAGE_ORDERING_KEY_METADATA = 'consistent-messaging:message-ordering-key';
export const IDEMPOTENT_HANDLER_METADATA = 'consistent-messaging:idempotent-handler';
/** The StorageDialect of the messaging data source. */
export const STORAGE_DIALECT = Symbol('CONSISTENT_MESSAGING_STORAGE_DIALECT');
/** The dialect's MessagingStatements for the module's `tablePrefix`. */
export const MESSAGING_STATEMENTS = Symbol('CONSISTENT_MESSAGING_STATEMENTS');
