/** The filter fields the event and moderation searches share: a Beijing-time range, domain, stream. */
export interface RangeFilters {
  StartTime: string;
  EndTime: string;
  DomainName: string;
  StreamName: string;
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
