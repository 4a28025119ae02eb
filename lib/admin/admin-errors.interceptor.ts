import {
  HttpException,
  Injectable,
  Logger,
  HttpStatus,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';
import { shortText, thrownText } from '../errors/thrown-text';
import { AdminErrorCode, adminError } from './admin-error';

/**
 * The admin's own HTTP errors pass through (each with its code, see AdminErrorCode); anything else
 * (database or Redis unreachable) becomes a 503 with a stable `code` and a short message, its
 * cause logged, instead of an opaque 500.
 */
@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ConsistentMessaging');

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof HttpException) throw error;
        // The cause (hosts, ports, Redis replies) goes to the log only, never to the client.
        this.logger.warn(`Admin request failed: ${shortText(thrownText(error))}`);
        throw adminError(
          HttpStatus.SERVICE_UNAVAILABLE,
          AdminErrorCode.unavailable,
          'Messaging admin: the database or Redis did not answer; the cause is in the log',
        );
      }),
    );
  }
}
