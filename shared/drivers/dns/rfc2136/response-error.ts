import { DriverError } from '../../../errors.ts';
import { Rcode, rcodeName } from './constants.ts';
import { TsigError } from './tsig.ts';

/** Who was asked what, for error messages (never the secret). */
export interface ExchangeContext {
  readonly keyName: string;
  /** `127.0.0.1:5353` */
  readonly server: string;
  readonly zone: string;
}

/** The RCODEs that mean "a prerequisite failed": with our prerequisites, an ownership conflict. */
export const PREREQUISITE_RCODES: ReadonlySet<number> = new Set([
  Rcode.YXDOMAIN,
  Rcode.YXRRSET,
  Rcode.NXDOMAIN,
  Rcode.NXRRSET,
]);

/** A TSIG failure, either side, as an error that names the key and the server. Not retryable. */
export function tsigRefused(context: ExchangeContext, error: TsigError): DriverError {
  const message = error.byServer
    ? `TSIG key "${context.keyName}" refused by ${context.server} (${rcodeName(error.code)})`
    : `TSIG key "${context.keyName}": answer from ${context.server} rejected, ${error.message}`;
  return new DriverError('rfc2136', message, { cause: error });
}

/**
 * The error for an RCODE other than NOERROR and the prerequisite codes. Retryable only when the
 * server says it failed (SERVFAIL); a refused key or policy does not heal by retrying.
 */
export function rcodeError(context: ExchangeContext, rcode: number, what: string): DriverError {
  const name = rcodeName(rcode);
  switch (rcode) {
    case Rcode.NOTAUTH:
      return new DriverError(
        'rfc2136',
        `TSIG key "${context.keyName}" refused by ${context.server} (NOTAUTH: wrong key or secret, or the server is not authoritative for ${context.zone})`,
      );
    case Rcode.REFUSED:
      return new DriverError(
        'rfc2136',
        `${what} refused by ${context.server} for zone ${context.zone} (REFUSED): check update-policy and allow-transfer for key "${context.keyName}"`,
      );
    case Rcode.NOTZONE:
      return new DriverError('rfc2136', `${what}: a record is outside zone ${context.zone} (NOTZONE)`);
    case Rcode.SERVFAIL:
      return new DriverError('rfc2136', `${what} failed on ${context.server} (SERVFAIL)`, {
        retryable: true,
      });
    default:
      return new DriverError('rfc2136', `${what} failed on ${context.server} (${name})`);
  }
}

/** Maps anything thrown while talking to the server to a `DriverError`. */
export function asDriverError(context: ExchangeContext, error: unknown): Error {
  if (error instanceof TsigError) return tsigRefused(context, error);
  if (error instanceof DriverError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DriverError('rfc2136', `bad answer from ${context.server}: ${message}`, {
    cause: error,
    retryable: true,
  });
}
