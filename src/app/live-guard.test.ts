import { describe, expect, it } from 'vitest';
import { AegisError } from '../core/errors.js';
import { loadConfig } from '../config/load.js';
import { assertMayStart } from './live-guard.js';

const cfg = (env: Record<string, string>) => loadConfig({ env, cwd: '/nonexistent-aegis-dir' }).config;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof AegisError ? e.code : 'other';
  }
}

describe('assertMayStart', () => {
  it('lets paper and backtest start without keys', () => {
    expect(
      codeOf(() => {
        assertMayStart(cfg({ ENVIRONMENT: 'paper' }), { confirmLive: false });
      }),
    ).toBeUndefined();
    expect(
      codeOf(() => {
        assertMayStart(cfg({ ENVIRONMENT: 'backtest' }), { confirmLive: false });
      }),
    ).toBeUndefined();
  });

  it('refuses live without both keys, even when confirmed', () => {
    expect(
      codeOf(() => {
        assertMayStart(cfg({ ENVIRONMENT: 'live', BINANCE_API_KEY: 'k' }), { confirmLive: true });
      }),
    ).toBe('LIVE_NOT_CONFIRMED');
  });

  it('refuses live with keys but without --confirm-live', () => {
    const c = cfg({ ENVIRONMENT: 'live', BINANCE_API_KEY: 'k', BINANCE_API_SECRET: 's' });
    expect(
      codeOf(() => {
        assertMayStart(c, { confirmLive: false });
      }),
    ).toBe('LIVE_NOT_CONFIRMED');
    expect(
      codeOf(() => {
        assertMayStart(c, { confirmLive: true });
      }),
    ).toBeUndefined();
  });

  it('needs keys but no confirmation on testnet', () => {
    expect(
      codeOf(() => {
        assertMayStart(cfg({ ENVIRONMENT: 'testnet' }), { confirmLive: false });
      }),
    ).toBe('LIVE_NOT_CONFIRMED');
    const c = cfg({ ENVIRONMENT: 'testnet', BINANCE_API_KEY: 'k', BINANCE_API_SECRET: 's' });
    expect(
      codeOf(() => {
        assertMayStart(c, { confirmLive: false });
      }),
    ).toBeUndefined();
  });
});
