import { request } from 'node:http';

/** What `hostRequest` received. */
export interface HostAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * GET `url` with this Host header, as a user's request reaches an ingress or a gateway. `fetch`
 * cannot do it: Host is a forbidden request header, and Node's fetch silently sends the URL's.
 */
export function hostRequest(url: string, host: string): Promise<HostAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
