/** An advertisement as the public board shows it: no user id, e-mail or phone, only the username. */
export interface BoardItem {
  id: number;
  title: string;
  text: string;
  createdAt: string;
  author: string;
}

/**
 * The words search matches: maximal runs of letters, marks and digits, lower-cased (Unicode rules,
 * not the database's locale), each once. `q` matches an advertisement when every word of `q` is one
 * of the advertisement's words.
 */
export function wordsOf(text: string): string[] {
  return [
    ...new Set(
      text
        .normalize('NFC')
        .toLowerCase()
        .match(/[\p{L}\p{M}\p{N}]+/gu) ?? [],
    ),
  ];
}
