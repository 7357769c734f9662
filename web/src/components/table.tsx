/** A scrollable table with a header row; rows come as children. */
import type { ReactNode } from 'react';

export function Table({ columns, children, className }: { columns: readonly string[]; children: ReactNode; className?: string }) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
