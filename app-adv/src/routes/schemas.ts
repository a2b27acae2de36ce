import { INT32_MAX, PageQuery, PositiveInt, Text, Timestamp, Type } from '@adboard/kit';
import { BOARD_DEPTH, QUERY_MAX_WORDS } from '../domain/board.js';

/** The longest advertisement text (UTF-16 code units); its price is its length in code points. */
export const TEXT_MAX_LENGTH = 10_000;

const AdvertisementStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('active'),
  Type.Literal('failed'),
]);

export const AdvertisementView = Type.Object({
  id: Type.Integer(),
  userId: Type.Integer(),
  title: Type.String(),
  text: Type.String(),
  cost: Type.Integer({ description: 'the number of characters (Unicode code points) of text' }),
  status: AdvertisementStatus,
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
});

export const NewAdvertisement = Type.Object({
  title: Text(255),
  text: Text(TEXT_MAX_LENGTH),
});

export const AdvertisementIdParams = Type.Object({ id: PositiveInt(2_147_483_647) });

export const PurchaseProgressView = Type.Object({
  status: AdvertisementStatus,
  steps: Type.Array(
    Type.Object({
      step: Type.Union(
        ['bonus accrual', 'payment', 'bonus reversal', 'activation', 'notification'].map((name) =>
          Type.Literal(name),
        ),
      ),
      outcome: Type.Union(
        ['done', 'refused', 'retrying', 'compensated'].map((name) => Type.Literal(name)),
        {
          description:
            'retrying: the last call failed and will be repeated; compensated: the bonus accrual was reversed',
        },
      ),
      attempts: Type.Integer({ description: 'calls made for this step' }),
      at: Timestamp(),
    }),
    { description: 'in the order the steps first happened; a step appears once, with its latest outcome' },
  ),
});

/** The longest search query (characters). */
export const QUERY_MAX_LENGTH = 200;

export const BoardQuery = Type.Object({
  page: Type.Optional(
    PositiveInt(
      BOARD_DEPTH,
      `from 1; page × limit ≤ ${BOARD_DEPTH} (the newest ${BOARD_DEPTH} matches), deeper pages are 400: go on with \`before\``,
    ),
  ),
  limit: PageQuery(100, 20, 'advertisements').properties.limit,
  q: Type.Optional(
    Type.String({
      maxLength: QUERY_MAX_LENGTH,
      description: `words (letters and digits), at most ${QUERY_MAX_WORDS}, that must all be words of the title or text, case-insensitive; none: the whole board`,
    }),
  ),
  before: Type.Optional(
    PositiveInt(
      INT32_MAX,
      'only advertisements with a smaller id: pass the last id of a page to get the next one, at any depth',
    ),
  ),
});

export const BoardItemView = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  text: Type.String(),
  createdAt: Timestamp(),
  author: Type.String({ description: 'the owner’s username' }),
});
