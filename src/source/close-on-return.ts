// An async iterable over a source's block generator whose return() closes the source at once.

/**
 * Wraps a source's block generator so that the consumer's `return()` (a `break` out of `for await`, or a caller that
 * gives up on a pending `next()`) closes the source before the generator is asked to return.
 *
 * Why: an async generator queues `return()` behind a `next()` still running, and a block generator's `next()` waits
 * until a block arrives. With no data coming (a silent server, a reconnect loop) the queued return — and with it the
 * generator's `finally { close() }` — never ran: the source kept reconnecting and one socket stayed open after the
 * consumer had let go. Closing first wakes the waiting `next()` (it ends with `done: true`), so the queued return then
 * completes too.
 *
 * @param gen the source's generator (its `finally` may call `close` again: `close` must be idempotent)
 * @param close closes the source (idempotent; resolves when its sockets or device are closed)
 * @returns an iterable whose single iterator is `gen` with that `return()`
 */
export function closeOnReturn<T>(gen: AsyncGenerator<T, void, undefined>, close: () => Promise<void>): AsyncIterable<T> {
  const iterator: AsyncIterableIterator<T> = {
    next: () => gen.next(),
    return: async (): Promise<IteratorResult<T, undefined>> => {
      await close();
      await gen.return(undefined);
      return { done: true, value: undefined };
    },
    throw: (err?: unknown) => gen.throw(err),
    [Symbol.asyncIterator]: () => iterator,
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
