import type { FormEvent } from 'react';
import { loginInput } from '@allot/domain';
import { useMutation } from '@tanstack/react-query';
import { FormError, TextField } from '../components/field.tsx';
import { check, serverErrors, useForm } from '../forms.ts';
import { queryClient, setCsrfToken, trpc } from '../trpc.ts';

/** Shown at whatever address was asked for, so a shared link opens once signed in. */
export default function LoginScreen() {
  const form = useForm({ email: '', password: '' });
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: (session) => {
        setCsrfToken(session.csrfToken);
        queryClient.setQueryData(trpc.auth.session.queryKey(), session);
      },
      // Never which of the two was wrong: the server's one message goes on the form.
      onError: (error) => form.setErrors(serverErrors(error)),
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const checked = check(loginInput, form.values);
    if (!checked.ok) return form.setErrors(checked.errors);
    form.setErrors({});
    login.mutate(checked.value);
  };
  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} noValidate aria-labelledby="login-title">
        <p className="brand" aria-hidden="true">
          Allot
        </p>
        <h1 id="login-title">Sign in</h1>
        <TextField
          label="Email"
          type="email"
          autoComplete="username"
          value={form.values.email}
          onChange={form.set('email')}
          error={form.errors.email}
          autoFocus
        />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          value={form.values.password}
          onChange={form.set('password')}
          error={form.errors.password}
        />
        <FormError error={form.errors['']} />
        <button type="submit" className="button primary" disabled={login.isPending}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
