/** Pages are addressed by the URL fragment (#/domains/push.example.com), so the server needs no fallback route. */
import { useEffect, useState } from 'react';

const currentPath = (): string => decodeURIComponent(location.hash.replace(/^#/, '')) || '/domains';

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return path.split('/').filter(Boolean);
}

export const href = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;
