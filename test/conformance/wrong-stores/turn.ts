/** Lets every other pending caller run, as a network round trip or a lock wait would. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    setImmediate(resolve);
  });
}
