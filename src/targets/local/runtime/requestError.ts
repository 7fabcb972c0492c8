// Its own module so the HTTP layer (server.ts, apiAuth.ts) loads without the runners behind LocalRuntime.

/** A request the runtime cannot serve, with the HTTP status that says why. */
export class RuntimeRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
