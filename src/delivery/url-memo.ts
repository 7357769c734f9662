/**
 * What livehook derives from a callback URL (its host bucket, where a POST goes), kept per URL
 * text. Parsing a URL allocates more than the rest of an attempt's bookkeeping, and every event of
 * a template goes to the same few URLs; the memo is dropped whole when it fills, so a stream of
 * distinct URLs (resends to many receivers) costs a parse each, never unbounded memory.
 */
export const URL_MEMO_SIZE = 1024;

export function memoizeByUrl<T>(derive: (url: string) => T, size = URL_MEMO_SIZE): (url: string) => T {
  const known = new Map<string, T>();
  return (url) => {
    let value = known.get(url);
    if (value === undefined && !known.has(url)) {
      value = derive(url);
      if (known.size >= size) known.clear();
      known.set(url, value);
    }
    return value as T;
  };
}
