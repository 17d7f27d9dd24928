import { inspect } from 'node:util';

export const REDACTED = '[REDACTED]';

/**
 * A secret value that cannot leak by accident: it prints, serialises and inspects as [REDACTED].
 * Only `reveal()` gives the value, and only the signing code should call it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
