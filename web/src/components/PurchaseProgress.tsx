import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../api';

interface Progress {
  status: 'pending' | 'active' | 'failed';
  steps: { step: string; outcome: string; attempts: number; at: string }[];
}

/**
 * The purchase's steps as the saga stored them, refreshed every second while it is pending; when it
 * settles, the account and the lists are refreshed too.
 */
export function PurchaseProgress({ advertisementId, userId }: { advertisementId: number; userId: number }) {
  const queryClient = useQueryClient();
  const progress = useQuery({
    queryKey: ['purchase', advertisementId],
    queryFn: async () => (await api<Progress>('GET', `/app-adv/api/v1/adv/${advertisementId}/purchase`)).data,
    refetchInterval: (query) => (query.state.data?.status === 'pending' ? 1000 : false),
  });
  const status = progress.data?.status;
  useEffect(() => {
    if (status && status !== 'pending') {
      for (const key of [['ads'], ['account', userId], ['bonus', userId], ['statement', userId], ['board']])
        void queryClient.invalidateQueries({ queryKey: key });
    }
  }, [status, userId, queryClient]);
  if (!progress.data) return null;
  return (
    <div className="progress">
      <p>
        Purchase: <Status status={progress.data.status} />
      </p>
      <ol aria-label="Purchase steps">
        {progress.data.steps.map((step) => (
          <li key={step.step}>
            {step.step}: <strong>{step.outcome}</strong>
            {step.attempts > 1 ? ` after ${step.attempts} attempts` : ''}{' '}
            <span className="meta">({step.at} UTC)</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** An advertisement's status, as the word the API uses. */
export function Status({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}
