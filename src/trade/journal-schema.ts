// The session journal's tables. One DuckDB file per session; every row is written as the thing happens,
// each write (or each group that must stand together) its own committed transaction. An order's row is
// the truth about it; order_events is its history (the first event follows the row, off the send path).

/**
 * 2 added the per-bar equity and the closed trades of every session (paper ones had neither) and each
 * bar's book spread. A journal of
 * an older version is brought up by its CREATE TABLE IF NOT EXISTS on the next open; one of a newer
 * version is refused.
 */
export const JOURNAL_VERSION = 2;

export const JOURNAL_DDL = `
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS session (
  session VARCHAR PRIMARY KEY, run VARCHAR, model VARCHAR, exchange VARCHAR, mode VARCHAR, symbol VARCHAR,
  config_json VARCHAR, started_ms BIGINT, stopped_ms BIGINT, stop_reason VARCHAR, starts INTEGER);
CREATE TABLE IF NOT EXISTS starts (ts_ms BIGINT, pid INTEGER);
CREATE TABLE IF NOT EXISTS bars (
  open_time_ms BIGINT PRIMARY KEY, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE,
  features DOUBLE[], ts_ms BIGINT, spread_bps DOUBLE);
-- version 1's bars had no book spread (the paper fill's spread): added, NULL for the bars it journaled
ALTER TABLE bars ADD COLUMN IF NOT EXISTS spread_bps DOUBLE;
CREATE TABLE IF NOT EXISTS decisions (
  bar_open_ms BIGINT, ts_ms BIGINT, action INTEGER, probs DOUBLE[], target_side INTEGER, target_qty DOUBLE, note VARCHAR);
CREATE TABLE IF NOT EXISTS risk_events (ts_ms BIGINT, bar_open_ms BIGINT, kind VARCHAR, state VARCHAR, reason VARCHAR, detail VARCHAR);
CREATE TABLE IF NOT EXISTS orders (
  client_id VARCHAR PRIMARY KEY, kind VARCHAR, symbol VARCHAR, leg VARCHAR, bar_open_ms BIGINT, revision INTEGER,
  side VARCHAR, type VARCHAR, qty DOUBLE, trigger_price DOUBLE, reduce_only BOOLEAN, status VARCHAR,
  venue_order_id VARCHAR, triggered_order_id VARCHAR, executed_qty DOUBLE, avg_price DOUBLE, sends INTEGER,
  created_ms BIGINT, updated_ms BIGINT, adopted BOOLEAN, reason VARCHAR, stop_price DOUBLE, tp_price DOUBLE);
CREATE SEQUENCE IF NOT EXISTS order_event_seq;
CREATE TABLE IF NOT EXISTS order_events (
  seq BIGINT DEFAULT nextval('order_event_seq'), ts_ms BIGINT, client_id VARCHAR, status VARCHAR, detail VARCHAR);
CREATE TABLE IF NOT EXISTS fills (
  trade_id VARCHAR PRIMARY KEY, client_id VARCHAR, venue_order_id VARCHAR, symbol VARCHAR, side VARCHAR, qty DOUBLE,
  price DOUBLE, commission DOUBLE, commission_asset VARCHAR, realized_pnl_usdt DOUBLE, maker BOOLEAN,
  fill_time_ms BIGINT, ts_ms BIGINT, source VARCHAR);
CREATE TABLE IF NOT EXISTS position_adjustments (ts_ms BIGINT, qty DOUBLE, reason VARCHAR);
CREATE TABLE IF NOT EXISTS positions (
  ts_ms BIGINT, qty DOUBLE, entry_price DOUBLE, isolated_margin_usdt DOUBLE, liquidation_price DOUBLE,
  mark_price DOUBLE, unrealized_pnl_usdt DOUBLE, source VARCHAR);
CREATE TABLE IF NOT EXISTS balances (ts_ms BIGINT, wallet_usdt DOUBLE, available_usdt DOUBLE, equity_usdt DOUBLE, source VARCHAR);
CREATE TABLE IF NOT EXISTS funding (ts_ms BIGINT, funding_time_ms BIGINT, amount_usdt DOUBLE, rate DOUBLE, mark_price DOUBLE, source VARCHAR);
CREATE TABLE IF NOT EXISTS errors (ts_ms BIGINT, place VARCHAR, class VARCHAR, code INTEGER, message VARCHAR);
-- what the session asked for, as it asked: the order row's creation (one row written before the send)
CREATE VIEW IF NOT EXISTS intents AS
  SELECT client_id, created_ms AS ts_ms, bar_open_ms, leg, kind, side, type, qty, trigger_price, reduce_only, reason, stop_price, tp_price
  FROM orders WHERE NOT adopted;
CREATE TABLE IF NOT EXISTS reconciliations (ts_ms BIGINT, trigger VARCHAR, outcome VARCHAR, detail VARCHAR);
-- drift per bar once the rolling window holds a value (monitor/drift.ts): psi[i] is features[i]'s index, NaN while masked
CREATE TABLE IF NOT EXISTS drift (
  bar_open_ms BIGINT, ts_ms BIGINT, window_bars INTEGER, filled INTEGER, threshold DOUBLE, features VARCHAR[], psi DOUBLE[], action_psi DOUBLE);
-- the account after each bar, every mode (the session report's live equity curve, the finished session's view)
CREATE TABLE IF NOT EXISTS equity (
  bar_open_ms BIGINT, ts_ms BIGINT, equity_usdt DOUBLE, balance_usdt DOUBLE, position_side INTEGER, position_qty DOUBLE,
  entry_price DOUBLE, liquidation_price DOUBLE, margin_usdt DOUBLE, stop_price DOUBLE, tp_price DOUBLE,
  realized_pnl_usdt DOUBLE, fees_usdt DOUBLE, funding_usdt DOUBLE, trades INTEGER);
-- closed round trips as the session saw them (the simulator's in paper, the fills' fold on an exchange)
CREATE TABLE IF NOT EXISTS trades (
  exit_time_ms BIGINT, ts_ms BIGINT, side INTEGER, qty DOUBLE, entry_time_ms BIGINT, entry_price DOUBLE, exit_price DOUBLE,
  pnl_usdt DOUBLE, fees_usdt DOUBLE, funding_usdt DOUBLE, holding_bars INTEGER, exit_reason VARCHAR);
-- every alert shown (monitor/alert-dispatch.ts): suppressed counts the repeats held back before it, sent what became of its webhook send
CREATE TABLE IF NOT EXISTS alerts (
  ts_ms BIGINT, bar_open_ms BIGINT, level VARCHAR, category VARCHAR, kind VARCHAR, subject VARCHAR, message VARCHAR, suppressed INTEGER, sent VARCHAR);
`;
