import { createSocket } from 'node:dgram';
import { connect, isIPv6, type Socket } from 'node:net';
import { DriverError } from '../../../errors.ts';

/** Where a DNS server listens and how long to wait for it. */
export interface DnsEndpoint {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

function where(endpoint: DnsEndpoint): string {
  return isIPv6(endpoint.host) ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

/** `host:port` of an endpoint, as error messages show it. */
export function endpointText(endpoint: DnsEndpoint): string {
  return where(endpoint);
}

/**
 * Sends one message over UDP and resolves with the first reply carrying the same id. Replies
 * with another id (late answers to an earlier attempt) are ignored.
 */
export function udpExchange(endpoint: DnsEndpoint, request: Uint8Array): Promise<Uint8Array> {
  const id = ((request[0] ?? 0) << 8) | (request[1] ?? 0);
  const socket = createSocket(isIPv6(endpoint.host) ? 'udp6' : 'udp4');
  return new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => {
      finish();
      reject(
        new DriverError('rfc2136', `no answer from ${where(endpoint)} within ${endpoint.timeoutMs} ms`, {
          retryable: true,
        }),
      );
    }, endpoint.timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      socket.close();
    };
    socket.on('error', (error) => {
      finish();
      reject(
        new DriverError('rfc2136', `cannot reach ${where(endpoint)}: ${error.message}`, {
          cause: error,
          retryable: true,
        }),
      );
    });
    socket.on('message', (reply) => {
      if (reply.length < 12 || reply.readUInt16BE(0) !== id) return;
      finish();
      resolve(new Uint8Array(reply));
    });
    socket.send(request, endpoint.port, endpoint.host);
  });
}

/**
 * One TCP connection carrying length-prefixed DNS messages (RFC 1035 4.2.2, RFC 7766), used for
 * UPDATE batches and zone transfers. Messages are read in order; one reader at a time.
 */
export class DnsTcpConnection {
  readonly #socket: Socket;
  readonly #endpoint: DnsEndpoint;
  #buffer: Buffer = Buffer.alloc(0);
  readonly #messages: Uint8Array[] = [];
  #waiter: { resolve: (message: Uint8Array) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  private constructor(socket: Socket, endpoint: DnsEndpoint) {
    this.#socket = socket;
    this.#endpoint = endpoint;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) =>
      this.#fail(this.#error(`connection to ${where(endpoint)} failed: ${error.message}`, error)),
    );
    socket.on('close', () => this.#fail(this.#error(`${where(endpoint)} closed the connection`)));
  }

  /** Connects, or rejects with a retryable `DriverError` within the endpoint's timeout. */
  static open(endpoint: DnsEndpoint): Promise<DnsTcpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new DriverError('rfc2136', `cannot connect to ${where(endpoint)} within ${endpoint.timeoutMs} ms`, {
            retryable: true,
          }),
        );
      }, endpoint.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new DnsTcpConnection(socket, endpoint));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new DriverError('rfc2136', `cannot connect to ${where(endpoint)}: ${error.message}`, {
            cause: error,
            retryable: true,
          }),
        );
      });
    });
  }

  #error(message: string, cause?: Error): DriverError {
    return new DriverError('rfc2136', message, { retryable: true, ...(cause ? { cause } : {}) });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 2) {
      const length = this.#buffer.readUInt16BE(0);
      if (this.#buffer.length < length + 2) break;
      const message = new Uint8Array(this.#buffer.subarray(2, length + 2));
      this.#buffer = this.#buffer.subarray(length + 2);
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (waiter) waiter.resolve(message);
      else this.#messages.push(message);
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(this.#failure);
  }

  /** Sends one message with its two-byte length prefix. */
  send(message: Uint8Array): void {
    if (this.#failure) throw this.#failure;
    const frame = Buffer.alloc(message.length + 2);
    frame.writeUInt16BE(message.length, 0);
    frame.set(message, 2);
    this.#socket.write(frame);
  }

  /** The next message from the server, or a retryable `DriverError` after the timeout. */
  receive(): Promise<Uint8Array> {
    const queued = this.#messages.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(this.#error(`no answer from ${where(this.#endpoint)} within ${this.#endpoint.timeoutMs} ms`));
      }, this.#endpoint.timeoutMs);
      this.#waiter = {
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    this.#socket.destroy();
  }
}
