/**
 * PostgreSQL schema, as numbered migrations (same tables and columns as sqlite/migrations.ts, so the row
 * mappers in shared.ts serve both). Append only. Plain CREATE TABLE: re-running a migration fails loudly.
 * Money: TEXT exact decimals. Time: BIGINT epoch ms. run_id NULL = recorded before startRun.
 */
import type { Migration } from '../shared.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial journal',
    sql: `
CREATE TABLE runs (
  run_id      TEXT PRIMARY KEY,
  mode        TEXT NOT NULL,
  started_at  BIGINT NOT NULL,
  ended_at    BIGINT,
  config_json TEXT NOT NULL
);

CREATE TABLE signals (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           TEXT,
  signal_id        TEXT NOT NULL,
  symbol           TEXT NOT NULL,
  interval         TEXT NOT NULL,
  side             TEXT NOT NULL,
  confidence       DOUBLE PRECISION NOT NULL,
  tier             TEXT NOT NULL,
  position_size    TEXT NOT NULL,
  entry            TEXT NOT NULL,
  stop             TEXT NOT NULL,
  take_profit      TEXT NOT NULL,
  candle_open_time BIGINT NOT NULL,
  decided_at       BIGINT NOT NULL,
  strategy         TEXT NOT NULL,
  patterns_json    TEXT NOT NULL
);
CREATE UNIQUE INDEX signals_run_signal ON signals (coalesce(run_id, ''), signal_id);

CREATE TABLE denials (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id    TEXT,
  signal_id TEXT NOT NULL,
  symbol    TEXT NOT NULL,
  reason    TEXT NOT NULL,
  detail    TEXT NOT NULL,
  time      BIGINT NOT NULL
);

CREATE TABLE orders (
  client_order_id TEXT PRIMARY KEY,
  run_id          TEXT,
  venue_order_id  TEXT,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL,
  type            TEXT NOT NULL,
  status          TEXT NOT NULL,
  status_rank     INTEGER NOT NULL,
  quantity        TEXT NOT NULL,
  filled_quantity TEXT NOT NULL,
  price           TEXT,
  reason          TEXT,
  time            BIGINT NOT NULL,
  created_at      BIGINT NOT NULL
);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_events (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id          TEXT,
  client_order_id TEXT NOT NULL,
  venue_order_id  TEXT,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL,
  type            TEXT NOT NULL,
  status          TEXT NOT NULL,
  quantity        TEXT NOT NULL,
  filled_quantity TEXT NOT NULL,
  price           TEXT,
  reason          TEXT,
  time            BIGINT NOT NULL
);
CREATE INDEX order_events_client ON order_events (client_order_id, id);

CREATE TABLE fills (
  id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           TEXT,
  client_order_id  TEXT NOT NULL,
  trade_id         TEXT NOT NULL,
  symbol           TEXT NOT NULL,
  side             TEXT NOT NULL,
  price            TEXT NOT NULL,
  quantity         TEXT NOT NULL,
  commission       TEXT NOT NULL,
  commission_asset TEXT NOT NULL,
  maker            BOOLEAN NOT NULL,
  time             BIGINT NOT NULL,
  UNIQUE (client_order_id, trade_id)
);
CREATE INDEX fills_time ON fills (time, id);

CREATE TABLE positions (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       TEXT,
  kind         TEXT NOT NULL CHECK (kind IN ('open', 'update', 'close')),
  symbol       TEXT NOT NULL,
  side         TEXT NOT NULL,
  quantity     TEXT NOT NULL,
  entry_price  TEXT NOT NULL,
  tier         TEXT NOT NULL,
  leverage     DOUBLE PRECISION NOT NULL,
  realized_pnl TEXT NOT NULL,
  time         BIGINT NOT NULL
);
CREATE INDEX positions_symbol_side ON positions (symbol, side, id);

CREATE TABLE balances (
  id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id TEXT,
  asset  TEXT NOT NULL,
  free   TEXT NOT NULL,
  locked TEXT NOT NULL,
  time   BIGINT NOT NULL
);

CREATE TABLE heartbeats (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id      TEXT,
  time        BIGINT NOT NULL,
  report_json TEXT NOT NULL
);
CREATE INDEX heartbeats_time ON heartbeats (time, id);
`,
  },
];
