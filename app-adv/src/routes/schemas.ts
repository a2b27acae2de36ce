import { PositiveInt, Text, Timestamp, Type } from '@adboard/kit';

/** The longest advertisement text (UTF-16 code units); its price is its length in code points. */
export const TEXT_MAX_LENGTH = 10_000;

export const AdvertisementView = Type.Object({
  id: Type.Integer(),
  userId: Type.Integer(),
  title: Type.String(),
  text: Type.String(),
  cost: Type.Integer({ description: 'the number of characters (Unicode code points) of text' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('failed')]),
  createdAt: Timestamp(),
  updatedAt: Timestamp(),
});

export const NewAdvertisement = Type.Object({
  title: Text(255),
  text: Text(TEXT_MAX_LENGTH),
});

export const AdvertisementIdParams = Type.Object({ id: PositiveInt(2_147_483_647) });
