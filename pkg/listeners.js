// Event listeners by type, for the package's JS classes (RelayConnection, RelayPool). A
// listener that throws is reported (`reportError`, else an uncaught exception on a later
// turn) and never stops the other listeners or the caller's loop.

/** Reports a listener's exception without breaking the loop that called it. */
function report(err) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(err);
  else setTimeout(() => { throw err; });
}

export class Listeners {
  /** @type {Map<string, Set<Function>>} */
  #byType = new Map();

  /** Calls `listener` for each event of `type`; returns a function that removes it. */
  on(type, listener) {
    let set = this.#byType.get(type);
    if (!set) this.#byType.set(type, (set = new Set()));
    set.add(listener);
    return () => this.off(type, listener);
  }

  /** Removes a listener added with `on`. */
  off(type, listener) {
    this.#byType.get(type)?.delete(listener);
  }

  /** Calls every listener of `type` (those present when the event fires) with `detail`. */
  emit(type, detail) {
    for (const listener of [...(this.#byType.get(type) ?? [])]) {
      try { listener(detail); } catch (err) { report(err); }
    }
  }
}
