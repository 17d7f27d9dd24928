/** The strategies `aegis optimize` knows, by name, with their declared parameters. */
import { ConfigError } from '../../core/errors.js';
import type { AegisConfig } from '../../config/schema.js';
import { defaultParams, type ParamValues, type StrategyDefinition } from '../../brain/parameters.js';
import { EMA_CROSS_DEFINITION } from '../../brain/ema-cross-strategy.js';
import { SMC_DEFINITION } from '../../brain/smc-strategy.js';

export const STRATEGIES: readonly StrategyDefinition[] = [SMC_DEFINITION, EMA_CROSS_DEFINITION];

export function strategyDefinition(name: string): StrategyDefinition {
  const def = STRATEGIES.find((s) => s.name === name);
  if (def === undefined) {
    throw new ConfigError([
      `unknown strategy "${name}" (known: ${STRATEGIES.map((s) => s.name).join(', ')})`,
    ]);
  }
  return def;
}

/**
 * The values of the parameters that are not searched: the declared defaults, except that the SMC
 * strategy's RSI / ATR periods follow the config (RSI_PERIOD / ATR_PERIOD), as in every other mode.
 */
export function baseParams(def: StrategyDefinition, config: AegisConfig): ParamValues {
  const base = { ...defaultParams(def.parameters) };
  if (def.name === 'smc') {
    base.rsiPeriod = config.rsiPeriod;
    base.atrPeriod = config.atrPeriod;
  }
  return base;
}
