import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api';
import { fieldErrorsOf, FormErrors } from '../components/Errors';
import { Field } from '../components/Field';
import { useEdit } from '../drafts';
import type { User } from '../session';
import { phoneValue } from './Register';

interface Profile {
  firstName: string;
  lastName: string;
  email: string;
  phone: number;
}

const FIELDS = [
  ['firstName', 'First name'],
  ['lastName', 'Last name'],
  ['email', 'E-mail'],
  ['phone', 'Phone'],
] as const;

/** Edits are kept as drafts until saved; a field not edited shows the stored value. */
export function Profile({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const profile = useQuery({
    queryKey: ['profile', user.id],
    queryFn: async () => (await api<Profile>('GET', `/app-user/api/v1/user/${user.id}`)).data,
  });
  const drafts = {
    firstName: useEdit('profile.firstName'),
    lastName: useEdit('profile.lastName'),
    email: useEdit('profile.email'),
    phone: useEdit('profile.phone'),
  };
  const valueOf = (name: keyof Profile) => drafts[name][0] ?? String(profile.data?.[name] ?? '');
  const save = useMutation({
    mutationFn: () =>
      api<Profile>('PUT', `/app-user/api/v1/user/${user.id}`, {
        body: {
          firstName: valueOf('firstName'),
          lastName: valueOf('lastName'),
          email: valueOf('email'),
          phone: phoneValue(valueOf('phone')),
        },
      }),
    onSuccess: (answer) => {
      for (const [, , clear] of Object.values(drafts)) clear();
      queryClient.setQueryData(['profile', user.id], answer.data);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const errors = fieldErrorsOf(save.error);
  return (
    <section aria-labelledby="profile-title" className="narrow">
      <h1 id="profile-title">Your profile</h1>
      <p>
        Username: <strong>{user.username}</strong>
      </p>
      <FormErrors error={profile.error} />
      <form noValidate onSubmit={submit}>
        {FIELDS.map(([name, label]) => (
          <Field
            key={name}
            label={label}
            type={name === 'email' ? 'email' : name === 'phone' ? 'tel' : 'text'}
            value={valueOf(name)}
            onChange={drafts[name][1]}
            error={errors[name]}
          />
        ))}
        <FormErrors error={save.error} fields={FIELDS.map(([name]) => name)} />
        <button type="submit" disabled={save.isPending || !profile.data}>
          Save
        </button>
      </form>
      {save.isSuccess && (
        <p role="status" className="notice">
          Saved.
        </p>
      )}
    </section>
  );
}
