/** The trading functions' shape, shared by the component that deploys them and the models that reason about them. */

/** The three trading functions, by the file name of their handler in `functions/`. */
export const TRADING_FUNCTIONS = ["stock-checker", "stock-buyer", "stock-seller"] as const;
export type TradingFunctionName = (typeof TRADING_FUNCTIONS)[number];

/** Where a function's handler lives, relative to the project root. */
export const handlerSource = (fn: TradingFunctionName): string => `functions/${fn}.ts`;

/** Every function runs on Graviton with the same size and timeout. */
export const FUNCTION_ARCHITECTURE = "arm64";
export const FUNCTION_MEMORY_MB = 128;
export const FUNCTION_TIMEOUT_SECONDS = 10;

/** A value for each trading function, by its name, built once from TRADING_FUNCTIONS. */
export function byFunction<T>(value: (fn: TradingFunctionName) => T): Record<TradingFunctionName, T> {
    return Object.fromEntries(TRADING_FUNCTIONS.map((fn) => [fn, value(fn)])) as Record<TradingFunctionName, T>;
}
