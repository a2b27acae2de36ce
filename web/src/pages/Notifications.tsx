import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { FormErrors } from '../components/Errors';
import type { User } from '../session';

interface Notification {
  text: string;
  createdAt: string;
}

/** Polled every few seconds, so new notifications appear without a reload. */
export function useNotifications(user: User) {
  return useQuery({
    queryKey: ['notifications', user.id],
    queryFn: async () =>
      (await api<Notification[]>('GET', `/app-notify/api/v1/notification/${user.id}`)).data,
    refetchInterval: 3000,
  });
}

export function Notifications({ user }: { user: User }) {
  const notifications = useNotifications(user);
  const newestFirst = [...(notifications.data ?? [])].reverse();
  return (
    <section aria-labelledby="notifications-title">
      <h1 id="notifications-title">Notifications</h1>
      <FormErrors error={notifications.error} />
      {notifications.data?.length === 0 && <p>No notifications yet.</p>}
      <ul className="notifications" aria-label="Notifications, newest first" aria-live="polite">
        {newestFirst.map((notification, index) => (
          <li key={`${notification.createdAt}-${newestFirst.length - index}`}>
            <p>{notification.text}</p>
            <p className="meta">{notification.createdAt} UTC</p>
          </li>
        ))}
      </ul>
    </section>
  );
}
