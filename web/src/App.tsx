import { useEffect, type ReactNode } from 'react';
import { Account } from './pages/Account';
import { Board } from './pages/Board';
import { Login } from './pages/Login';
import { MyAds } from './pages/MyAds';
import { Notifications, useNotifications } from './pages/Notifications';
import { Profile } from './pages/Profile';
import { Register } from './pages/Register';
import { Sell } from './pages/Sell';
import { navigate, useRoute, type Route } from './router';
import { useSession, type User } from './session';

const PRIVATE_PAGES: Record<string, (props: { user: User }) => ReactNode> = {
  '/account': Account,
  '/sell': Sell,
  '/ads': MyAds,
  '/notifications': Notifications,
  '/profile': Profile,
};

function NotificationsLink({ user }: { user: User }) {
  const count = useNotifications(user).data?.length;
  return <a href="#/notifications">Notifications{count ? ` (${count})` : ''}</a>;
}

function Header({ route }: { route: Route }) {
  const session = useSession();
  const user = session.user;
  const current = (path: string) => (route.path === path ? 'page' : undefined);
  return (
    <header className="top">
      <a className="brand" href="#/">
        adboard
      </a>
      <nav aria-label="Main">
        <a href="#/" aria-current={current('/')}>
          Board
        </a>
        {user ? (
          <>
            <a href="#/account" aria-current={current('/account')}>
              Account
            </a>
            <a href="#/sell" aria-current={current('/sell')}>
              Sell
            </a>
            <a href="#/ads" aria-current={current('/ads')}>
              My ads
            </a>
            <NotificationsLink user={user} />
            <a href="#/profile" aria-current={current('/profile')}>
              Profile
            </a>
            <span className="who">{user.username}</span>
            <button type="button" onClick={() => void session.logOut()}>
              Log out
            </button>
          </>
        ) : (
          <>
            <a href="#/login" aria-current={current('/login')}>
              Log in
            </a>
            <a href="#/register" aria-current={current('/register')}>
              Register
            </a>
          </>
        )}
        <a href="/docs">API docs</a>
      </nav>
    </header>
  );
}

/** A page that needs a session: without one, the login form, which comes back here afterwards. */
function PrivatePage({ route, page }: { route: Route; page: (props: { user: User }) => ReactNode }) {
  const { user } = useSession();
  useEffect(() => {
    if (user === null) navigate(`/login?next=${encodeURIComponent(route.path)}`);
  }, [user, route.path]);
  if (!user) return <p>Loading…</p>;
  const Page = page;
  return <Page key={route.path} user={user} />;
}

export function App() {
  const route = useRoute();
  useEffect(() => {
    document.getElementById('main')?.focus();
  }, [route.path]);
  const privatePage = PRIVATE_PAGES[route.path];
  return (
    <>
      <a
        className="skip"
        href="#main"
        onClick={(event) => (event.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" tabIndex={-1}>
        {privatePage ? (
          <PrivatePage route={route} page={privatePage} />
        ) : route.path === '/login' ? (
          <Login key={route.params.toString()} route={route} />
        ) : route.path === '/register' ? (
          <Register />
        ) : (
          <Board />
        )}
      </main>
    </>
  );
}
