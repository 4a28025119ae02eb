import { InvalidAdminOptionsError } from '../errors/invalid-admin-options.error';
import type { MessagingAdminOptions, ResolvedAdminOptions } from './admin-options.interface';

const PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
/** Every option `admin` takes, to refuse a misspelled one (a `gaurd` would leave it unguarded). */
const ADMIN_KEYS: readonly (keyof MessagingAdminOptions)[] = [
  'enabled',
  'path',
  'guard',
  'allowUnguarded',
  'maxPayloadBytes',
];

/** Returns undefined when the admin is off; throws when it is on without a guard or with a bad path. */
export function resolveAdminOptions(
  admin: MessagingAdminOptions | undefined,
): ResolvedAdminOptions | undefined {
  const unknown = Object.keys(admin ?? {}).filter(
    (key) => !(ADMIN_KEYS as readonly string[]).includes(key),
  );
  if (unknown.length > 0)
    throw new InvalidAdminOptionsError(
      `${unknown.map((key) => JSON.stringify(key)).join(', ')}: not an option of admin; its options are ${ADMIN_KEYS.join(', ')}`,
    );
  if (!admin?.enabled) return undefined;
  const path = admin.path ?? 'messaging';
  if (!PATH.test(path) || path.split('/').some((segment) => /^\.+$/.test(segment))) {
    throw new InvalidAdminOptionsError(
      `path: segments of letters, digits, ".", "_", "~" or "-" separated by "/", none of them only dots, no leading or trailing "/" (got ${JSON.stringify(path)})`,
    );
  }
  if (!admin.guard && !admin.allowUnguarded) {
    throw new InvalidAdminOptionsError(
      'admin is enabled without a guard: pass admin.guard (a CanActivate class, e.g. a bearer token check), ' +
        'or set admin.allowUnguarded: true to expose it unprotected on purpose.',
    );
  }
  const maxPayloadBytes = admin.maxPayloadBytes ?? 65536;
  if (!Number.isInteger(maxPayloadBytes) || maxPayloadBytes < 1024) {
    throw new InvalidAdminOptionsError(
      `maxPayloadBytes: an integer >= 1024 (got ${JSON.stringify(admin.maxPayloadBytes)})`,
    );
  }
  return { path, guard: admin.guard, maxPayloadBytes };
}
