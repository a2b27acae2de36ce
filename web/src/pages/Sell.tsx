import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, ApiFailure } from '../api';
import { fieldErrorsOf, FormErrors } from '../components/Errors';
import { Field } from '../components/Field';
import { PurchaseProgress, Status } from '../components/PurchaseProgress';
import { useDraft } from '../drafts';
import { useAttemptKey } from '../keys';
import { retryWhileInFlight } from '../retry';
import type { User } from '../session';

interface Advertisement {
  id: number;
  title: string;
  text: string;
  cost: number;
  status: 'pending' | 'active' | 'failed';
}

/** The price as the server counts it: one per character of the text, in Unicode code points. */
export const priceOf = (text: string): number => [...text].length;

/** Write an advertisement, see its price as you type, buy it; a slow purchase shows its steps. */
export function Sell({ user }: { user: User }) {
  const queryClient = useQueryClient();
  const [title, setTitle, clearTitle] = useDraft('sell.title');
  const [text, setText, clearText] = useDraft('sell.text');
  const keys = useAttemptKey();
  const buy = useMutation({
    mutationFn: async (ad: { title: string; text: string }) => {
      const key = keys.keyFor(ad);
      const answer = await retryWhileInFlight(() =>
        api<Advertisement>('POST', '/app-adv/api/v1/adv/create', { body: ad, key }),
      );
      return { advertisement: answer.data, pending: answer.status === 202 };
    },
    onSuccess: () => {
      keys.finish();
      clearTitle();
      clearText();
      void queryClient.invalidateQueries({ queryKey: ['ads'] });
      void queryClient.invalidateQueries({ queryKey: ['account', user.id] });
      void queryClient.invalidateQueries({ queryKey: ['bonus', user.id] });
    },
    onError: (error) => {
      if (error instanceof ApiFailure && error.status === 422) keys.finish();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!buy.isPending) buy.mutate({ title, text });
  };
  const errors = fieldErrorsOf(buy.error);
  const bought = buy.data;
  return (
    <section aria-labelledby="sell-title">
      <h1 id="sell-title">Sell something</h1>
      <form noValidate onSubmit={submit}>
        <Field label="Title" value={title} onChange={setTitle} maxLength={255} error={errors.title} />
        <Field label="Text" multiline value={text} onChange={setText} error={errors.text} />
        <p className="price" aria-live="polite">
          Price: <strong data-testid="price">{priceOf(text)}</strong> (one per character)
        </p>
        <FormErrors error={buy.error} fields={['title', 'text']} />
        <button type="submit" disabled={buy.isPending}>
          Buy
        </button>
      </form>
      {buy.isPending && <p role="status">Buying…</p>}
      {bought && (
        <div role="status" className="notice">
          <p>
            “{bought.advertisement.title}” for {bought.advertisement.cost}:{' '}
            {bought.pending ? 'the purchase is taking longer than usual.' : ''}
          </p>
          {bought.pending ? (
            <PurchaseProgress advertisementId={bought.advertisement.id} userId={user.id} />
          ) : (
            <p>
              Purchase: <Status status={bought.advertisement.status} />
            </p>
          )}
        </div>
      )}
    </section>
  );
}
