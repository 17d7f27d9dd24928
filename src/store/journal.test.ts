import { describe, expect, it } from 'vitest';
import { REDACTED_VALUE, redactSnapshot, redactUrlPassword } from './journal.js';

describe('redactSnapshot', () => {
  it('blanks values whose key names a secret, at any depth, and keeps the rest', () => {
    expect(
      redactSnapshot({
        binanceApiKey: 'AKIA',
        binance_api_secret: 's',
        list: [{ password: 'p', port: 5432 }],
        token: null,
        maxOpenPositions: 3,
      }),
    ).toEqual({
      binanceApiKey: REDACTED_VALUE,
      binance_api_secret: REDACTED_VALUE,
      list: [{ password: REDACTED_VALUE, port: 5432 }],
      token: null,
      maxOpenPositions: 3,
    });
  });
});

describe('redactUrlPassword', () => {
  it('removes the password of a URL and leaves the user, host and path', () => {
    expect(redactUrlPassword('postgresql://aegis:s3cr%40t@db.local:5432/aegis')).toBe(
      `postgresql://aegis:${REDACTED_VALUE}@db.local:5432/aegis`,
    );
  });

  it('leaves a URL without a password and a plain path unchanged', () => {
    expect(redactUrlPassword('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
    expect(redactUrlPassword('./data/aegis.sqlite')).toBe('./data/aegis.sqlite');
  });
});
