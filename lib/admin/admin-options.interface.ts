import type { CanActivate, Type } from '@nestjs/common';

/** The admin controller: JSON endpoints and a dashboard page. Off unless `enabled`. */
export interface MessagingAdminOptions {
  /** Mount the admin controller. Default false. */
  enabled?: boolean;
  /** Route path of the controller, without leading or trailing slash. Default `messaging`. */
  path?: string;
  /** Guard protecting every admin route (e.g. a bearer token check). Required unless `allowUnguarded`. */
  guard?: Type<CanActivate>;
  /** Mount without a guard anyway (a warning is logged at startup). Default false. */
  allowUnguarded?: boolean;
}

/** Admin options after defaults. */
export interface ResolvedAdminOptions {
  path: string;
  guard: Type<CanActivate> | undefined;
}
