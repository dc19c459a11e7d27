import net from 'node:net';

/**
 * A loopback TCP proxy in front of PostgreSQL that cuts the connection at the switch's COMMIT,
 * so a test can make the commit point ambiguous for the engine at a real wire boundary.
 *
 * It reads the frontend protocol of every connection (startup packet, then typed messages:
 * one type byte, an int32 length). The first connection that sends an `UPDATE … isolation_mode`
 * (a Parse or a simple Query: the switch's `writeIsolation`) is armed; that connection's next
 * simple-query `COMMIT` is handled according to `mode`:
 *
 * - `commit-then-cut-client`: COMMIT is forwarded; the server's reply is swallowed, the client
 *   side is destroyed as soon as the reply starts (so the transaction has committed, the client
 *   never hears it), then the server side is ended.
 * - `cut-both`: COMMIT is not forwarded; both sides are destroyed (the server sees EOF inside the
 *   transaction and aborts it).
 * - `hold-cut-client`: COMMIT is held (never forwarded); the client side is destroyed, the server
 *   side kept open — the backend stays alive, idle in transaction, holding the tenant row's lock —
 *   until the server ends it (or the proxy closes). `releaseHeld()` then sends the COMMIT late,
 *   as a slow network would have, if that backend is still there to run it.
 *
 * Everything else is passed through unchanged. Bounded: loopback only, at most `maxConnections`
 * at once, no message over `maxMessageBytes`; `close()` destroys every socket.
 */
export type CommitCut = 'commit-then-cut-client' | 'cut-both' | 'hold-cut-client';

export interface CommitInterception {
  mode: CommitCut;
  /** The backend that ran the switch's transaction (from BackendKeyData). */
  backendPid?: number;
  /** When the COMMIT arrived from the client (performance.now()). */
  at: number;
  /** COMMIT was sent to the server. */
  forwarded: boolean;
  /** The server answered the forwarded COMMIT (its reply was swallowed). */
  serverReplied: Promise<void>;
  /** The server side of that connection has closed, and when (performance.now()). */
  serverClosed: Promise<number>;
  /**
   * `hold-cut-client` only: sends the held COMMIT to the server now, if the backend is still
   * there (the late commit a run must have made impossible before deciding). Resolves true when
   * the server answered it, false when the server side had already gone.
   */
  releaseHeld(): Promise<boolean>;
}

export interface CommitCutProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string;
  /** Resolves when the switch's COMMIT has been intercepted. */
  intercepted: Promise<CommitInterception>;
  /** Whether an `UPDATE … isolation_mode` has been seen (the switch reached its write). */
  readonly armed: boolean;
  /** The interception, once it has happened. */
  readonly interception: CommitInterception | undefined;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The SQL text of a Parse ('P': name\0 query\0 …) or Query ('Q': query\0) message. */
function sqlOf(type: number, body: Buffer): string | undefined {
  if (type === 0x51 /* Q */) return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  if (type === 0x50 /* P */) {
    const nameEnd = body.indexOf(0);
    if (nameEnd < 0) return undefined;
    const end = body.indexOf(0, nameEnd + 1);
    return body.toString('utf8', nameEnd + 1, end < 0 ? body.length : end);
  }
  return undefined;
}

const isSwitchUpdate = (sql: string) => /^\s*UPDATE\b/i.test(sql) && /\bisolation_mode\s*=/i.test(sql);
const isCommit = (sql: string) => /^\s*(COMMIT|END)\s*;?\s*$/i.test(sql);

export async function startCommitCutProxy(
  upstream: { host: string; port: number },
  mode: CommitCut,
  limits: { maxConnections?: number; maxMessageBytes?: number } = {},
): Promise<CommitCutProxy> {
  const maxConnections = limits.maxConnections ?? 64;
  const maxMessageBytes = limits.maxMessageBytes ?? 64 << 20;
  const sockets = new Set<net.Socket>();
  const intercepted = deferred<CommitInterception>();
  let armedConnection: object | undefined;
  let interception: CommitInterception | undefined;
  let done = false;

  const server = net.createServer((client) => {
    const backend = net.connect(upstream.port, upstream.host);
    const conn = {};
    let holdServer = false;
    let serverGone = false;
    let swallow: (() => void) | undefined;
    let pid: number | undefined;
    let startupPending = true;
    let singleByteReplies = 0;
    let fromClient: Buffer = Buffer.alloc(0);
    let fromServer: Buffer = Buffer.alloc(0);

    sockets.add(client);
    sockets.add(backend);
    for (const s of [client, backend]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        // One side gone: the other goes too, unless this connection's server side is held.
        if (s === client && !holdServer) backend.destroy();
        if (s === backend) client.destroy();
      });
    }

    /** Writes with backpressure: the sending side pauses until the receiving side drains. */
    const send = (to: net.Socket, from: net.Socket, data: Buffer) => {
      if (to.destroyed) return;
      if (!to.write(data) && !from.isPaused()) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    };

    client.on('data', (chunk: Buffer) => {
      fromClient = fromClient.length ? Buffer.concat([fromClient, chunk]) : chunk;
      for (;;) {
        if (client.destroyed) return;
        let size: number;
        let type = 0;
        if (startupPending) {
          if (fromClient.length < 8) return;
          size = fromClient.readInt32BE(0);
        } else {
          if (fromClient.length < 5) return;
          type = fromClient[0]!;
          size = 1 + fromClient.readInt32BE(1);
        }
        if (size < 4 || size > maxMessageBytes) {
          client.destroy();
          return;
        }
        if (fromClient.length < size) return;
        const message = fromClient.subarray(0, size);
        fromClient = fromClient.subarray(size);
        if (startupPending) {
          const code = message.readInt32BE(4);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) singleByteReplies++;
          else if (code !== CANCEL_REQUEST) startupPending = false;
          send(backend, client, message);
          continue;
        }
        const sql = sqlOf(type, message.subarray(5));
        if (sql !== undefined && !armedConnection && !done && isSwitchUpdate(sql)) armedConnection = conn;
        if (sql !== undefined && armedConnection === conn && !done && type === 0x51 && isCommit(sql)) {
          done = true;
          intercept(message);
          return;
        }
        send(backend, client, message);
      }
    });

    const serverReplied = deferred<void>();
    const serverClosed = deferred<number>();
    backend.on('close', () => {
      serverGone = true;
      serverClosed.resolve(performance.now());
    });

    const intercept = (commit: Buffer) => {
      const at = performance.now();
      let forwarded = false;
      if (mode === 'commit-then-cut-client') {
        forwarded = true;
        swallow = () => {
          serverReplied.resolve();
          client.destroy();
          backend.end();
        };
        send(backend, client, commit);
      } else if (mode === 'cut-both') {
        client.destroy();
        backend.destroy();
      } else {
        holdServer = true;
        client.destroy();
      }
      const releaseHeld = async () => {
        if (mode !== 'hold-cut-client' || serverGone || backend.destroyed) return false;
        const answered = new Promise<boolean>((resolve) => {
          swallow = () => resolve(true);
          backend.once('close', () => resolve(false));
        });
        backend.write(commit);
        return answered;
      };
      interception = {
        mode,
        backendPid: pid,
        at,
        forwarded,
        serverReplied: serverReplied.promise,
        serverClosed: serverClosed.promise,
        releaseHeld,
      };
      intercepted.resolve(interception);
    };

    backend.on('data', (chunk: Buffer) => {
      if (swallow) {
        const fn = swallow;
        swallow = undefined;
        fn();
        return;
      }
      if (holdServer || client.destroyed) return;
      // Learn the backend's pid from BackendKeyData ('K'), then just pass bytes through.
      if (pid === undefined) {
        fromServer = fromServer.length ? Buffer.concat([fromServer, chunk]) : chunk;
        for (;;) {
          if (singleByteReplies > 0 && fromServer.length >= 1) {
            singleByteReplies--;
            fromServer = fromServer.subarray(1);
            continue;
          }
          if (fromServer.length < 5) break;
          const size = 1 + fromServer.readInt32BE(1);
          if (fromServer.length < size) break;
          if (fromServer[0] === 0x4b /* K */ && size >= 13) {
            pid = fromServer.readInt32BE(5);
            fromServer = Buffer.alloc(0);
            break;
          }
          fromServer = fromServer.subarray(size);
        }
      }
      send(client, backend, chunk);
    });
  });
  server.maxConnections = maxConnections;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    url(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    intercepted: intercepted.promise,
    get armed() {
      return armedConnection !== undefined;
    },
    get interception() {
      return interception;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
