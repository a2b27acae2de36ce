import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { FormErrors } from '../components/Errors';
import { Field } from '../components/Field';

interface BoardItem {
  id: number;
  title: string;
  text: string;
  createdAt: string;
  author: string;
}

const PAGE_SIZE = 10;

/** The public board: every user's active advertisements, newest first; search and pages. */
export function Board() {
  const [typed, setTyped] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const board = useQuery({
    queryKey: ['board', query, page],
    queryFn: async () => {
      const params = new URLSearchParams({ page: String(page), limit: String(PAGE_SIZE) });
      if (query) params.set('q', query);
      return (await api<BoardItem[]>('GET', `/app-adv/api/v1/board?${params}`, { isPublic: true })).data;
    },
    placeholderData: keepPreviousData,
  });
  const search = (event: FormEvent) => {
    event.preventDefault();
    setQuery(typed.trim());
    setPage(1);
  };
  const items = board.data ?? [];
  return (
    <section aria-labelledby="board-title">
      <h1 id="board-title">The board</h1>
      <form noValidate role="search" className="inline-form" onSubmit={search}>
        <Field label="Search" type="search" value={typed} onChange={setTyped} />
        <button type="submit">Find</button>
      </form>
      <FormErrors error={board.error} />
      {board.isPending ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>{query ? `Nothing on the board matches “${query}”.` : 'The board is empty.'}</p>
      ) : (
        <ul className="cards" aria-label="Advertisements">
          {items.map((item) => (
            <li key={item.id}>
              <article aria-labelledby={`ad-${item.id}`}>
                <h2 id={`ad-${item.id}`}>{item.title}</h2>
                <p className="ad-text">{item.text}</p>
                <p className="meta">
                  by <strong>{item.author}</strong> · {item.createdAt} UTC
                </p>
              </article>
            </li>
          ))}
        </ul>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={page === 1} onClick={() => setPage(page - 1)}>
          Previous page
        </button>
        <span aria-live="polite">Page {page}</span>
        <button type="button" disabled={items.length < PAGE_SIZE} onClick={() => setPage(page + 1)}>
          Next page
        </button>
      </nav>
    </section>
  );
}
