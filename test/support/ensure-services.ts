import { execFileSync } from 'child_process';
import { join } from 'path';

/**
 * Makes sure the services of a run answer, starting local ones that don't, as
 * `scripts/ensure-services.sh` does; PostgreSQL too for runs that choose it by a flag (the npm
 * scripts only start MariaDB and Redis).
 */
export function ensureServices(database: 'mariadb' | 'postgres'): void {
  const flags = database === 'postgres' ? ['--with-postgres'] : [];
  execFileSync('bash', [join(__dirname, '../../scripts/ensure-services.sh'), ...flags], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
