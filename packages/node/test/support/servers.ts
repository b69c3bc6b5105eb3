import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type http from 'node:http';
import type http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A server listening on 127.0.0.1 with a free port. */
export interface Listening {
  /** `http://127.0.0.1:PORT` (or `https://`). */
  url: string;
  port: number;
  /** Closes the server, ending whatever connections are left. */
  close(): Promise<void>;
}

type AnyServer = http.Server | http2.Http2Server | http2.Http2SecureServer;

/**
 * Listens on 127.0.0.1:0 and resolves with the address.
 * @param server - any node:http / node:http2 server.
 * @param scheme - the URL scheme to report.
 */
export function listen(server: AnyServer, scheme = 'http'): Promise<Listening> {
  const sessions = new Set<http2.Http2Session>();
  server.on('session', (session: http2.Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `${scheme}://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const session of sessions) session.destroy();
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}

/** A key and a self-signed certificate for `localhost` / 127.0.0.1. */
export interface TestCertificate {
  key: Buffer;
  cert: Buffer;
}

/**
 * Makes a throwaway self-signed certificate with the `openssl` command line, into a temporary
 * directory that is removed at once. No network is involved.
 * @returns the key pair, or `undefined` with the reason when `openssl` cannot be run.
 */
export function selfSignedCertificate(): TestCertificate | { missing: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ssekit-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe', timeout: 20_000 },
    );
    return { key: readFileSync(keyFile), cert: readFileSync(certFile) };
  } catch (err) {
    return { missing: err instanceof Error ? err.message : String(err) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
