/**
 * Resolves in a later macrotask: after the events already waiting (a worker's message, an
 * IndexedDB success), not only after the current microtasks. A `MessageChannel` message, not a
 * timer: a hidden tab's timers wait for a once-a-second wake-up, its messages do not. Where there
 * is no `MessageChannel`, at the end of the microtask turn.
 *
 * @example await nextMacrotask() // the worker results queued behind this event have been handled
 */
export function nextMacrotask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
