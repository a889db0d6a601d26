// Binance error bodies: HTTP status + {code, msg}. Codes from the USD-M "Error Codes" page.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
}

export const invalidSymbol = () => new ApiError(400, -1121, "Invalid symbol.");
export const missingParam = (name: string) => new ApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
export const badParam = (msg: string) => new ApiError(400, -1100, msg);
export const invalidInterval = () => new ApiError(400, -1120, "Invalid interval.");
