// `prisma dev` (Prisma's local Postgres) is the only code that imports this package, lazily, when
// it starts its streams server. automl uses its own embedded stack instead (PGlite), so this stub
// only has to say so if anyone ever runs `prisma dev` from this tree.
export async function startLocalDurableStreamsServer() {
  throw new Error("`prisma dev` is not available in automl: @prisma/streams-local is stubbed (it needs Node >= 22). Use `npm start` for the embedded stack.");
}
