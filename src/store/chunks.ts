/** Multi-row statements go in chunks: well under SQLite's 32,766 bound parameters per statement. */
const CHUNK = 500;

export const chunks = <T>(items: readonly T[], size = CHUNK): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
