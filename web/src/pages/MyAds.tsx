import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { FormErrors } from '../components/Errors';
import { PurchaseProgress, Status } from '../components/PurchaseProgress';
import type { User } from '../session';

interface Advertisement {
  id: number;
  title: string;
  text: string;
  cost: number;
  status: 'pending' | 'active' | 'failed';
  createdAt: string;
}

/** Your advertisements, newest first, with their status; each can show how its purchase went. */
export function MyAds({ user }: { user: User }) {
  const ads = useQuery({
    queryKey: ['ads'],
    queryFn: async () => (await api<Advertisement[]>('GET', '/app-adv/api/v1/adv?limit=100')).data,
    refetchInterval: (query) => (query.state.data?.some((ad) => ad.status === 'pending') ? 2000 : false),
  });
  return (
    <section aria-labelledby="ads-title">
      <h1 id="ads-title">Your advertisements</h1>
      <FormErrors error={ads.error} />
      {ads.data?.length === 0 && (
        <p>
          None yet. <a href="#/sell">Sell something</a>.
        </p>
      )}
      <ul className="cards" aria-label="Your advertisements">
        {ads.data?.map((ad) => (
          <li key={ad.id}>
            <article aria-labelledby={`my-ad-${ad.id}`}>
              <h2 id={`my-ad-${ad.id}`}>{ad.title}</h2>
              <p className="ad-text">{ad.text}</p>
              <p className="meta">
                <Status status={ad.status} /> · {ad.cost} · {ad.createdAt} UTC
              </p>
              <details>
                <summary>How the purchase went</summary>
                <PurchaseProgress advertisementId={ad.id} userId={user.id} />
              </details>
            </article>
          </li>
        ))}
      </ul>
    </section>
  );
}
