/** Reading Prometheus text exposition in tests. */

/** `name{labels} value` lines of one metric (the label set as the key, "" for none). */
export function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [series, value] = line.split(/ (?=[^ ]+$)/) as [string, string];
    out.set(series.slice(name.length), Number(value));
  }
  return out;
}
