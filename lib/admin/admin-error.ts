import { HttpException, HttpStatus } from '@nestjs/common';

/** The stable `code` of every error the admin answers with, by what went wrong. */
export const AdminErrorCode = {
  /** 400: a parameter or body the admin can't use; the message names it. */
  badRequest: 'MESSAGING_ADMIN_BAD_REQUEST',
  /** 403: a state-changing request that may be cross-site (see the README's threat model). */
  crossSite: 'MESSAGING_ADMIN_CROSS_SITE',
  /** 404: no such message, dead letter, inbox record or conversation. */
  notFound: 'MESSAGING_ADMIN_NOT_FOUND',
  /** 422: an outbox row flagged as never dispatchable. */
  undeliverable: 'MESSAGING_ADMIN_UNDELIVERABLE',
  /** 422: a dead letter whose message was not kept whole. */
  notRetriable: 'MESSAGING_ADMIN_NOT_RETRIABLE',
  /** 503: re-dispatched messages that did not reach Redis; they stay pending for the sweeper. */
  notDispatched: 'MESSAGING_ADMIN_NOT_DISPATCHED',
  /** 503: the database or Redis did not answer; the cause is in the application's log. */
  unavailable: 'MESSAGING_ADMIN_UNAVAILABLE',
} as const;

export type AdminErrorCodeValue = (typeof AdminErrorCode)[keyof typeof AdminErrorCode];

/** The body of every admin error: `{ statusCode, code, message }`. */
export interface AdminErrorBody {
  statusCode: number;
  code: AdminErrorCodeValue;
  message: string;
}

/** Longest message an admin error carries. */
const MAX_MESSAGE_LENGTH = 500;

/** An admin error: a stable code, and a message of at most 500 characters for a person to read. */
export function adminError(
  status: HttpStatus,
  code: AdminErrorCodeValue,
  message: string,
): HttpException {
  const body: AdminErrorBody = {
    statusCode: status,
    code,
    message:
      message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH)}…`,
  };
  return new HttpException(body, status);
}

export const badRequest = (message: string) =>
  adminError(HttpStatus.BAD_REQUEST, AdminErrorCode.badRequest, message);

export const notFound = (message: string) =>
  adminError(HttpStatus.NOT_FOUND, AdminErrorCode.notFound, message);
