import { AegisError } from '../core/errors.js';
import type { AegisConfig } from '../config/schema.js';

/**
 * Refuse to start live trading unless both API keys are present and the operator confirmed with
 * --confirm-live. Testnet needs the keys too (it signs real requests), but no confirmation.
 */
export function assertMayStart(config: AegisConfig, options: { readonly confirmLive: boolean }): void {
  const env = config.environment;
  if (env !== 'live' && env !== 'testnet') return;
  const missing: string[] = [];
  if (config.binanceApiKey === undefined) missing.push('BINANCE_API_KEY');
  if (config.binanceApiSecret === undefined) missing.push('BINANCE_API_SECRET');
  if (missing.length > 0) {
    throw new AegisError(
      'LIVE_NOT_CONFIRMED',
      `ENVIRONMENT=${env} needs ${missing.join(' and ')} in the environment; refusing to start`,
      { context: { environment: env } },
    );
  }
  if (env === 'live' && !options.confirmLive) {
    throw new AegisError(
      'LIVE_NOT_CONFIRMED',
      'ENVIRONMENT=live trades real money: start again with --confirm-live to confirm; refusing to start',
      { context: { environment: env } },
    );
  }
}
