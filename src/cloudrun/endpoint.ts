import { InputError } from '../errors';
import { quoteUntrusted } from '../names';

export interface Endpoint {
  /** Host as it goes before `:port` (an IPv6 address keeps its brackets). */
  host: string;
  port: number;
  /** Plaintext gRPC without Google credentials (local emulator or test server). */
  insecure: boolean;
}

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_RE = /^\[[0-9A-Fa-f:.]+\]$/;

const FORMS =
  'Use "host[:port]" for a TLS endpoint (port 443 by default), or "http://host:port" for a plaintext local emulator.';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const m = IPV4_RE.exec(h);
  return !!m && m[1] === '127' && m.slice(1).every((o) => Number(o) <= 255);
}

function validHost(host: string): boolean {
  const v4 = IPV4_RE.exec(host);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255);
  return IPV6_RE.test(host) || HOSTNAME_RE.test(host);
}

function parsePort(text: string, raw: string, input: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65535)
    throw new InputError(
      `${input} ${quoteUntrusted(raw)} has an invalid port ${quoteUntrusted(text)}.`,
      FORMS,
    );
  return port;
}

/** Splits `host[:port]` (IPv6 in brackets); returns undefined when the text is not of that form. */
function splitHostPort(text: string): { host: string; port?: string } | undefined {
  const m = /^(\[[^\]]*\]|[^:[\]]+)(?::([^:]*))?$/.exec(text);
  if (!m) return undefined;
  return { host: m[1]!, port: m[2] };
}

/**
 * Parses an API endpoint input. `host[:port]` is TLS with Google credentials (port 443 by
 * default), as for a private endpoint; `https://host[:port]` is the same. `http://host:port` is
 * plaintext without credentials, for a local emulator or test server, and is refused for a
 * host that is not loopback unless `allowInsecure`.
 */
export function parseEndpoint(
  raw: string | undefined,
  allowInsecure: boolean,
  input = 'cloud-run-api-endpoint',
): Endpoint | undefined {
  const text = raw?.trim();
  if (!text) return undefined;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  const rest = scheme ? text.slice(scheme[0].length).replace(/\/$/, '') : text;
  const protocol = scheme?.[1]!.toLowerCase();
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https')
    throw new InputError(
      `${input} ${quoteUntrusted(text)} has an unsupported scheme ${quoteUntrusted(protocol)}.`,
      FORMS,
    );
  if (/[/?#@\s]/.test(rest))
    throw new InputError(
      `${input} ${quoteUntrusted(text)} must be a host and port only (no path, query or credentials).`,
      FORMS,
    );
  const hp = splitHostPort(rest);
  if (!hp || !validHost(hp.host))
    throw new InputError(`${input} ${quoteUntrusted(text)} is not a valid host[:port].`, FORMS);
  const insecure = protocol === 'http';
  const port = hp.port !== undefined ? parsePort(hp.port, text, input) : insecure ? 80 : 443;
  if (insecure && !isLoopback(hp.host) && !allowInsecure)
    throw new InputError(
      `${input} ${quoteUntrusted(text)} is a plaintext endpoint on a host that is not loopback: requests (and the service spec) would cross the network unencrypted and unauthenticated.`,
      'Use the TLS form "host[:port]", or set allow-insecure-endpoint: true if this really is a trusted emulator.',
    );
  return { host: hp.host.toLowerCase(), port, insecure };
}
