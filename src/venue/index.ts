// Venues rlt trades on: the Binance USD-M adapter and the in-memory test venue, behind one interface.
export { BinanceVenue, DEFAULT_RECV_WINDOW_MS, type BinanceVenueOptions, type VenueExchange } from "./binance.ts";
export { KeysRejected, OrderRejected, UnknownOutcome, mapVendorError } from "./errors.ts";
export { FakeVenue, FAKE_FILTERS, type Fault } from "./fake.ts";
export { assertMarketOrder, formatOnStep, marketOrderProblem, roundMarketQty, roundTriggerPrice } from "./filters.ts";
export { type ApiKeys, keyHint, loadKeys, redactSecrets, registerSecret } from "./keys.ts";
export type {
  AlgoReport, AlgoRequest, BalanceReport, LeverageBracket, OrderReport, OrderRequest, OrderSide, PositionReport, QueryResult, SymbolFilters, TradeReport,
  UserEvent, UserStream, UserStreamHandlers, Venue, WorkingType,
} from "./types.ts";
export { opposite, sideSign } from "./types.ts";
