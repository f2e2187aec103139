// Joins a list of lists into one, by pushes.

/** For ten thousand small arrays (a container's endpoints, its files), several times faster than flat(). */
export function joined<U>(lists: readonly (readonly U[])[]): U[] {
  const out: U[] = [];
  for (const list of lists) for (const u of list) out.push(u);
  return out;
}
