// The file an apply records its intents in, under /run/tnet/creating: its name and its lines.

/** How an apply's file of intents ends; other dot-files there are such files being written. */
export const INTENTS_SUFFIX = '.intents';

/** Lines `name<TAB>mark`: a container name has no tab, a mark no newline. */
export function renderIntents(intents: Iterable<[string, string]>): string {
  let text = '';
  for (const [name, mark] of intents) text += `${name}\t${mark}\n`;
  return text;
}

/** An apply's file of intents; a line without both a name and a mark (one cut short) is not an intent. */
export function parseIntents(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    const mark = line.slice(tab + 1).trim();
    if (mark) out[line.slice(0, tab)] = mark;
  }
  return out;
}
