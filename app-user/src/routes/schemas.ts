import { Email, PositiveInt, Text, Type } from '@adboard/kit';

const PHONE_MAX = 999_999_999_999_999; // 15 digits, the longest E.164 number

/** The shortest password a registration accepts (characters, i.e. UTF-16 code units). */
export const PASSWORD_MIN_LENGTH = 8;

const NewPassword = Type.String({
  minLength: PASSWORD_MIN_LENGTH,
  maxLength: 255,
  pattern: '\\S',
  description: `${PASSWORD_MIN_LENGTH} to 255 characters`,
});

export const UserView = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  email: Type.String(),
  phone: Type.Integer(),
});

export const Registration = Type.Object({
  username: Text(255),
  password: NewPassword,
  firstName: Text(255),
  lastName: Text(255),
  email: Email(),
  phone: PositiveInt(PHONE_MAX, 'digits only, at most 15'),
});

export const ProfileChanges = Type.Object({
  firstName: Type.Optional(Text(255)),
  lastName: Type.Optional(Text(255)),
  email: Type.Optional(Email()),
  phone: Type.Optional(PositiveInt(PHONE_MAX, 'digits only, at most 15')),
});

export const Credentials = Type.Object({ username: Text(255), password: Text(255) });

export const CredentialOwner = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  email: Type.String(),
});
