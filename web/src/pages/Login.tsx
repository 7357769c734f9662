/** Sign-in with a console admin (the bootstrap admin is `admin`). */
import { useState, type FormEvent } from 'react';
import { signIn, type SessionInfo } from '../api';
import { useBusy } from '../components/busy';
import { ErrorBox } from '../components/states';

export function Login({ onSignedIn, expired }: { onSignedIn: (session: SessionInfo) => void; expired: boolean }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useBusy();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => onSignedIn(await signIn(username, password)));
  };

  return (
    <main className="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">livehook console</h1>
        {expired && <p className="state">Your session has ended. Sign in again.</p>}
        <label>
          Username
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            autoFocus
          />
        </label>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
