import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { fieldErrorsOf, FormErrors } from '../components/Errors';
import { Field } from '../components/Field';
import { navigate } from '../router';

const FIELDS = ['username', 'password', 'firstName', 'lastName', 'email', 'phone'];

/** A phone of digits is sent as the integer the API asks for; anything else as typed, for the API to judge. */
export const phoneValue = (phone: string): number | string =>
  /^\d{1,15}$/.test(phone.trim()) ? Number(phone.trim()) : phone;

export function Register() {
  const [form, setForm] = useState({
    username: '',
    password: '',
    firstName: '',
    lastName: '',
    email: '',
    phone: '',
  });
  const set = (name: keyof typeof form) => (value: string) => setForm({ ...form, [name]: value });
  const register = useMutation({
    mutationFn: () =>
      api('POST', '/app-user/api/v1/user/create', {
        body: { ...form, phone: phoneValue(form.phone) },
        isPublic: true,
      }),
    onSuccess: () => navigate(`/login?registered=1&username=${encodeURIComponent(form.username)}`),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    register.mutate();
  };
  const errors = fieldErrorsOf(register.error);
  return (
    <section aria-labelledby="register-title" className="narrow">
      <h1 id="register-title">Register</h1>
      <form noValidate onSubmit={submit}>
        <Field
          label="Username"
          autoComplete="username"
          value={form.username}
          onChange={set('username')}
          error={errors.username}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="new-password"
          value={form.password}
          onChange={set('password')}
          error={errors.password}
        />
        <Field
          label="First name"
          autoComplete="given-name"
          value={form.firstName}
          onChange={set('firstName')}
          error={errors.firstName}
        />
        <Field
          label="Last name"
          autoComplete="family-name"
          value={form.lastName}
          onChange={set('lastName')}
          error={errors.lastName}
        />
        <Field
          label="E-mail"
          type="email"
          autoComplete="email"
          value={form.email}
          onChange={set('email')}
          error={errors.email}
        />
        <Field
          label="Phone"
          type="tel"
          inputMode="numeric"
          autoComplete="tel"
          value={form.phone}
          onChange={set('phone')}
          error={errors.phone}
        />
        <FormErrors error={register.error} fields={FIELDS} />
        <button type="submit" disabled={register.isPending}>
          Register
        </button>
      </form>
    </section>
  );
}
