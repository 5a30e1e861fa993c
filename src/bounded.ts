// Maps and sets that keep at most a fixed number of entries, forgetting the oldest: the memory of what a long-running
// daemon has seen (closed alerts, clips already annotated, suspect records) stays bounded however long it runs.

/** Checks a bound: a whole number ≥ 1, else a RangeError naming `maxSize`. */
function checkMaxSize(maxSize: number): number {
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`maxSize: expected a whole number ≥ 1, got ${maxSize}`);
  return maxSize;
}

/**
 * A `Map` of at most `maxSize` entries. `set` of a new key into a full map deletes the key inserted first (a `Map`
 * iterates in insertion order); `set` of a key already present replaces its value and keeps its place.
 * `setNewest` moves the key to the newest end as well, so the map forgets the key set least recently.
 * Everything else is the plain `Map`. Throws a RangeError when `maxSize` is not a whole number ≥ 1.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  /** The most entries the map holds. */
  readonly maxSize: number;

  constructor(maxSize: number) {
    super();
    this.maxSize = checkMaxSize(maxSize);
  }

  /** `Map.set`; then, when the map holds more than `maxSize` entries, the oldest one goes. */
  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.maxSize) this.delete(this.keys().next().value as K);
    return this;
  }

  /** Sets `key` as the newest entry (deleting it first), then bounds the map like `set`. */
  setNewest(key: K, value: V): this {
    super.delete(key);
    return this.set(key, value);
  }
}

/**
 * A `Set` of at most `maxSize` values. `add` of a new value into a full set deletes the value added first (a `Set`
 * iterates in insertion order); `add` of a value already present changes nothing. Everything else is the plain
 * `Set`. Throws a RangeError when `maxSize` is not a whole number ≥ 1.
 */
export class BoundedSet<T> extends Set<T> {
  /** The most values the set holds. */
  readonly maxSize: number;

  constructor(maxSize: number) {
    super();
    this.maxSize = checkMaxSize(maxSize);
  }

  /** `Set.add`; then, when the set holds more than `maxSize` values, the oldest one goes. */
  override add(value: T): this {
    super.add(value);
    if (this.size > this.maxSize) this.delete(this.values().next().value as T);
    return this;
  }
}
