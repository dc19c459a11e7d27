import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLoopback, parseEndpoint } from '../../src/cloudrun/endpoint';
import { InputError } from '../../src/errors';

describe('parseEndpoint', () => {
  it('returns undefined when unset or blank', () => {
    assert.equal(parseEndpoint(undefined, false), undefined);
    assert.equal(parseEndpoint('  ', false), undefined);
  });

  it('reads host[:port] as TLS, port 443 by default', () => {
    assert.deepEqual(parseEndpoint('run.googleapis.com', false), {
      host: 'run.googleapis.com',
      port: 443,
      insecure: false,
    });
    assert.deepEqual(parseEndpoint('private.run.example.com:8443', false), {
      host: 'private.run.example.com',
      port: 8443,
      insecure: false,
    });
    assert.deepEqual(parseEndpoint('https://run.example.com/', false), {
      host: 'run.example.com',
      port: 443,
      insecure: false,
    });
    assert.deepEqual(parseEndpoint('[2001:db8::1]:444', false), {
      host: '[2001:db8::1]',
      port: 444,
      insecure: false,
    });
  });

  it('reads http://host:port as plaintext on loopback hosts', () => {
    assert.deepEqual(parseEndpoint('http://127.0.0.1:8085', false), {
      host: '127.0.0.1',
      port: 8085,
      insecure: true,
    });
    assert.deepEqual(parseEndpoint('http://127.8.9.10:1', false), {
      host: '127.8.9.10',
      port: 1,
      insecure: true,
    });
    assert.deepEqual(parseEndpoint('http://localhost:9000', false), {
      host: 'localhost',
      port: 9000,
      insecure: true,
    });
    assert.deepEqual(parseEndpoint('http://[::1]:9000', false), {
      host: '[::1]',
      port: 9000,
      insecure: true,
    });
  });

  it('refuses plaintext to a non-loopback host unless allowed, naming the input that allows it', () => {
    for (const raw of [
      'http://10.0.0.5:8080',
      'http://emulator:8080',
      'http://128.0.0.1:80',
      'http://localhost.evil.com:80',
    ]) {
      assert.throws(
        () => parseEndpoint(raw, false),
        (e: unknown) =>
          e instanceof InputError &&
          /not loopback/.test(e.message) &&
          /allow-insecure-endpoint/.test(e.hint ?? ''),
        raw,
      );
    }
    assert.deepEqual(parseEndpoint('http://emulator:8080', true), {
      host: 'emulator',
      port: 8080,
      insecure: true,
    });
  });

  it('refuses malformed endpoints with the accepted forms as hint', () => {
    for (const raw of [
      'ftp://host:21',
      'http://127.0.0.1:0',
      'http://127.0.0.1:70000',
      'host:port',
      'http://127.0.0.1:80/path',
      'http://user:pw@127.0.0.1:80',
      'bad host:443',
      '-leading.example.com',
      'a:b:c',
      'http://300.0.0.1:80',
    ]) {
      assert.throws(
        () => parseEndpoint(raw, true),
        (e: unknown) => e instanceof InputError && /host\[:port\]/.test(e.hint ?? ''),
        raw,
      );
    }
  });

  it('names the input in its errors and quotes the value safely', () => {
    assert.throws(
      () => parseEndpoint('http://evil\n:80', false, 'secret-manager-api-endpoint'),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.startsWith('secret-manager-api-endpoint') &&
        !e.message.includes('\n'),
    );
  });
});

describe('isLoopback', () => {
  it('accepts exactly 127.0.0.0/8, ::1 and localhost', () => {
    for (const h of ['127.0.0.1', '127.255.255.254', 'localhost', 'LOCALHOST', '::1', '[::1]'])
      assert.equal(isLoopback(h), true, h);
    for (const h of [
      '128.0.0.1',
      '10.0.0.1',
      '127.0.0.256',
      '0.0.0.0',
      '::',
      'localhost.localdomain',
      '::ffff:8.8.8.8',
    ])
      assert.equal(isLoopback(h), false, h);
  });
});
