import { useCallback, useState } from 'react';

const PREFIX = 'adboard.draft.';

/**
 * A form field's edit kept in sessionStorage, so what was typed survives the trip to the login form
 * when the session expires (and a reload); null while the field was not edited. `clear` forgets it
 * after the form succeeded.
 */
export function useEdit(name: string): [string | null, (value: string) => void, () => void] {
  const [value, setValue] = useState(() => sessionStorage.getItem(PREFIX + name));
  const update = useCallback(
    (next: string) => {
      setValue(next);
      sessionStorage.setItem(PREFIX + name, next);
    },
    [name],
  );
  const clear = useCallback(() => {
    setValue(null);
    sessionStorage.removeItem(PREFIX + name);
  }, [name]);
  return [value, update, clear];
}

/** A field that starts empty, kept like `useEdit`. */
export function useDraft(name: string): [string, (value: string) => void, () => void] {
  const [value, update, clear] = useEdit(name);
  return [value ?? '', update, clear];
}

export function clearAllDrafts(): void {
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
}
