import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import { FormErrors, fieldErrorsOf } from '../components/Errors';
import { Field } from '../components/Field';
import { useDraft } from '../drafts';
import { useAttemptKey } from '../keys';
import { retryWhileInFlight } from '../retry';
import type { User } from '../session';

interface Entry {
  id: number;
  kind: string;
  amount: number;
  createdAt: string;
}

const KIND_NAMES: Record<string, string> = {
  top_up: 'Top-up',
  payment: 'Payment',
  top_up_reversal: 'Top-up reversed',
  payment_reversal: 'Payment reversed',
};

/** A whole number as the integer the API asks for; anything else as typed, for the API to judge. */
const amountValue = (amount: string): number | string =>
  /^\d{1,10}$/.test(amount.trim()) ? Number(amount.trim()) : amount;

/** Balance and bonus, the top-up form and the statement. */
export function Account({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const balance = useQuery({
    queryKey: ['account', user.id],
    queryFn: async () =>
      (await api<{ balance: number }>('GET', `/app-billing/api/v1/account/${user.id}`)).data.balance,
  });
  const bonus = useQuery({
    queryKey: ['bonus', user.id],
    queryFn: async () =>
      (await api<{ bonus: number }>('GET', `/app-bonus/api/v1/bonus/${user.id}`)).data.bonus,
  });
  const statement = useQuery({
    queryKey: ['statement', user.id],
    queryFn: async () =>
      (await api<Entry[]>('GET', `/app-billing/api/v1/account/${user.id}/transactions?limit=20`)).data,
  });
  const [amount, setAmount, clearAmount] = useDraft('top-up.amount');
  const keys = useAttemptKey();
  const topUp = useMutation({
    mutationFn: (sum: number | string) => {
      const key = keys.keyFor({ sum });
      return retryWhileInFlight(() =>
        api('PUT', `/app-billing/api/v1/account/top-up/${user.id}`, { body: { sum }, key }),
      );
    },
    onSuccess: () => {
      keys.finish();
      clearAmount();
      void queryClient.invalidateQueries({ queryKey: ['account', user.id] });
      void queryClient.invalidateQueries({ queryKey: ['statement', user.id] });
    },
    onError: (error) => {
      if (error instanceof ApiFailure && error.status === 422) keys.finish();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!topUp.isPending) topUp.mutate(amountValue(amount));
  };
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <dl className="figures">
        <div>
          <dt>Balance</dt>
          <dd data-testid="balance">{balance.data ?? '…'}</dd>
        </div>
        <div>
          <dt>Bonus</dt>
          <dd data-testid="bonus">{bonus.data ?? '…'}</dd>
        </div>
      </dl>
      <FormErrors error={balance.error ?? bonus.error} />
      <h2>Top up</h2>
      <form noValidate className="inline-form" onSubmit={submit}>
        <Field
          label="Amount"
          inputMode="numeric"
          value={amount}
          onChange={setAmount}
          error={fieldErrorsOf(topUp.error).sum}
        />
        <button type="submit" disabled={topUp.isPending}>
          Top up
        </button>
      </form>
      <FormErrors error={topUp.error} fields={['sum']} />
      {topUp.isSuccess && (
        <p role="status" className="notice">
          Topped up.
        </p>
      )}
      <h2>Statement</h2>
      {statement.data && statement.data.length === 0 && <p>No operations yet.</p>}
      {statement.data && statement.data.length > 0 && (
        <table className="statement">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">What</th>
              <th scope="col">Amount</th>
            </tr>
          </thead>
          <tbody>
            {statement.data.map((entry) => (
              <tr key={entry.id}>
                <td>{entry.createdAt}</td>
                <td>{KIND_NAMES[entry.kind] ?? entry.kind}</td>
                <td className="amount">{entry.amount > 0 ? `+${entry.amount}` : entry.amount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
