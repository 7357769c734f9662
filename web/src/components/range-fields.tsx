/** The filter fields the event and moderation searches share: a Beijing-time range, domain, stream. */
export interface RangeFilters {
  StartTime: string;
  EndTime: string;
  DomainName: string;
  StreamName: string;
}

/**
 * Search filters as action parameters: values trimmed, the empty ones left out, and the filters
 * named in `numeric` (select boxes holding a code) sent as numbers.
 */
export function toParams<T extends Record<keyof T, string>>(filters: T, numeric: ReadonlyArray<keyof T> = []): Record<string, unknown> {
  return Object.fromEntries(
    (Object.entries(filters) as Array<[string, string]>)
      .map(([name, value]) => [name, value.trim()] as const)
      .filter(([, value]) => value !== '')
      .map(([name, value]) => [name, numeric.includes(name as keyof T) ? Number(value) : value]),
  );
}

export function RangeFields<T extends RangeFilters>({ values, onChange }: { values: T; onChange: (values: T) => void }) {
  const field = (name: keyof RangeFilters, label: string, placeholder?: string) => (
    <label>
      {label}
      <input value={values[name]} onChange={(e) => onChange({ ...values, [name]: e.target.value })} placeholder={placeholder} />
    </label>
  );
  return (
    <>
      {field('StartTime', 'From (Beijing time)', 'YYYY-MM-DD HH:MM:SS')}
      {field('EndTime', 'To (Beijing time)', 'YYYY-MM-DD HH:MM:SS')}
      {field('DomainName', 'Domain')}
      {field('StreamName', 'Stream')}
    </>
  );
}
