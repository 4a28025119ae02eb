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
  /**
   * Largest message a detail route (`outbox/:id`, `dead-letters/:id`) returns whole, in bytes of
   * its payload (outbox) or stored job (dead letter). A larger one comes back cut to this size,
   * as `preview` with `truncated: true`. At least 1024. Default 65536.
   */
  maxPayloadBytes?: number;
}

/** Admin options after defaults. */
export interface ResolvedAdminOptions {
  path: string;
  guard: Type<CanActivate> | undefined;
  maxPayloadBytes: number;
}
