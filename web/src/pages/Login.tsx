import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { fieldErrorsOf, FormErrors } from '../components/Errors';
import { Field } from '../components/Field';
import { navigate, type Route } from '../router';
import { useSession } from '../session';

/** The login form; after an expired session it brings the user back to where they were. */
export function Login({ route }: { route: Route }) {
  const session = useSession();
  const [username, setUsername] = useState(route.params.get('username') ?? '');
  const [password, setPassword] = useState('');
  const next = route.params.get('next') ?? '/account';
  const login = useMutation({
    mutationFn: () => api('POST', '/app-auth/api/v1/login', { body: { username, password }, isPublic: true }),
    onSuccess: async () => {
      await session.refresh();
      navigate(next);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  const errors = fieldErrorsOf(login.error);
  return (
    <section aria-labelledby="login-title" className="narrow">
      <h1 id="login-title">Log in</h1>
      {session.expired && (
        <p role="status" className="notice">
          Your session has ended. Log in again to continue: what you typed is kept.
        </p>
      )}
      {route.params.get('registered') && (
        <p role="status" className="notice">
          Your account is ready. Log in.
        </p>
      )}
      <form noValidate onSubmit={submit}>
        <Field
          label="Username"
          autoComplete="username"
          value={username}
          onChange={setUsername}
          error={errors.username}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          error={errors.password}
        />
        <FormErrors error={login.error} fields={['username', 'password']} />
        <button type="submit" disabled={login.isPending}>
          Log in
        </button>
      </form>
      <p>
        No account yet? <a href="#/register">Register</a>
      </p>
    </section>
  );
}
