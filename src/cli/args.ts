/** Commander argument parsers shared by the CLI commands: each throws a ConfigError naming the option. */
import { ConfigError } from '../core/errors.js';

/** An integer >= min. */
export const intArg =
  (name: string, min: number) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new ConfigError([`${name} must be an integer >= ${min}, got "${v}"`]);
    return n;
  };

/** An integer >= 1. */
export const countArg = (name: string): ((v: string) => number) => intArg(name, 1);

/** A finite number >= 0. */
export const realArg =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new ConfigError([`${name} must be a number >= 0, got "${v}"`]);
    return n;
  };

/** A finite number > 0. */
export const positiveArg =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new ConfigError([`${name} must be a number > 0, got "${v}"`]);
    return n;
  };

/** An ISO date or epoch ms (digits only), as epoch ms. */
export const timeArg =
  (name: string) =>
  (v: string): number => {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(t)) throw new ConfigError([`${name} must be an ISO date or epoch ms, got "${v}"`]);
    return t;
  };
