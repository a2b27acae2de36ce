import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { Email, PositiveInt, Text } from '../../src/http/fields.js';
import { isEmail, messages, validateObject } from '../../src/http/validation.js';

const schema = Type.Object({
  username: Text(),
  email: Email(),
  phone: Type.Integer(),
  sum: PositiveInt(1_000_000),
  nickname: Type.Optional(Text(10)),
});

const valid = { username: 'ivan', email: 'ivan@mail.ru', phone: 79001234567, sum: 5 };

describe('validateObject', () => {
  it('accepts a valid object and ignores unknown fields', () => {
    expect(validateObject(schema, { ...valid, extra: [1, 2] })).toEqual([]);
  });

  it('reports every missing required field as empty, in field order', () => {
    expect(validateObject(schema, {})).toEqual([
      { field: 'username', text: messages.empty },
      { field: 'email', text: messages.empty },
      { field: 'phone', text: messages.empty },
      { field: 'sum', text: messages.empty },
    ]);
  });

  it.each([null, '', '   ', '\t\n'])('treats %j as empty', (blank) => {
    expect(validateObject(schema, { ...valid, username: blank })).toEqual([
      { field: 'username', text: messages.empty },
    ]);
  });

  it('does not treat 0 or "0" as empty', () => {
    expect(validateObject(schema, { ...valid, username: '0', phone: 0 })).toEqual([]);
    expect(validateObject(schema, { ...valid, sum: 0 })).toEqual([{ field: 'sum', text: messages.positive }]);
  });

  it('rejects wrong types with the type messages', () => {
    expect(validateObject(schema, { ...valid, username: 12, phone: '79001234567' })).toEqual([
      { field: 'username', text: messages.string },
      { field: 'phone', text: messages.int },
    ]);
  });

  it.each([1.5, '5', [5], { value: 5 }, true])('rejects %j where an integer belongs', (value) => {
    expect(validateObject(schema, { ...valid, sum: value })).toEqual([{ field: 'sum', text: messages.int }]);
  });

  it('rejects non-positive amounts and amounts above the bound', () => {
    expect(validateObject(schema, { ...valid, sum: -3 })).toEqual([
      { field: 'sum', text: messages.positive },
    ]);
    expect(validateObject(schema, { ...valid, sum: 1_000_001 })).toEqual([
      { field: 'sum', text: 'This value should be less than or equal to 1000000.' },
    ]);
  });

  it('bounds string length', () => {
    expect(validateObject(schema, { ...valid, nickname: 'x'.repeat(11) })).toEqual([
      { field: 'nickname', text: 'This value is too long. It should have 10 characters or less.' },
    ]);
  });

  it('checks optional fields only when present, and present ones must not be blank', () => {
    expect(validateObject(schema, { ...valid, nickname: 'ok' })).toEqual([]);
    expect(validateObject(schema, { ...valid, nickname: ' ' })).toEqual([
      { field: 'nickname', text: messages.empty },
    ]);
  });

  it('treats no body at all as an empty object', () => {
    expect(validateObject(schema, undefined)).toHaveLength(4);
  });

  it.each([[[]], [[valid]], ['text'], [42], [true], [null]])(
    'refuses a body that is not an object, %j',
    (body) => {
      expect(validateObject(schema, body)).toEqual([{ field: 'body', text: messages.object }]);
      expect(validateObject(Type.Object({ nickname: Type.Optional(Text(10)) }), body)).toEqual([
        { field: 'body', text: messages.object },
      ]);
    },
  );

  it.each([
    ['a NUL character', 'iv\u0000an'],
    ['a lone high surrogate', 'iv\ud800an'],
    ['a lone low surrogate', '\udc00ivan'],
    ['a surrogate pair the wrong way round', '\ude00\ud83d'],
  ])('refuses text with %s, which cannot be stored as sent', (_case, text) => {
    expect(validateObject(schema, { ...valid, username: text, nickname: text.slice(0, 5) })).toEqual([
      { field: 'username', text: messages.text },
      { field: 'nickname', text: messages.text },
    ]);
  });

  it('accepts text with characters outside the BMP (a proper surrogate pair)', () => {
    expect(validateObject(schema, { ...valid, username: 'ivan \ud83d\ude00 𝔘' })).toEqual([]);
  });

  it('names a minimum length above 1 in its own message', () => {
    const password = Type.Object({ password: Type.String({ minLength: 8, maxLength: 255 }) });
    expect(validateObject(password, { password: 'secret' })).toEqual([
      { field: 'password', text: 'This value is too short. It should have 8 characters or more.' },
    ]);
    expect(validateObject(password, { password: 'password' })).toEqual([]);
  });

  it('rejects a bad e-mail', () => {
    expect(validateObject(schema, { ...valid, email: 'nope' })).toEqual([
      { field: 'email', text: messages.email },
    ]);
  });
});

describe('isEmail', () => {
  it.each([
    'email-1@mail.ru1',
    'a.b+tag@sub.example.com',
    'user@xn--80ak6aa92e.com',
    'имя@почта.рф'.replace('имя', 'name'),
  ])('accepts %s', (email) => expect(isEmail(email)).toBe(true));
  it.each([
    'a@localhost',
    'a@-mail.ru',
    'a@mail-.ru',
    'a@mail..ru',
    '@mail.ru',
    'a@',
    'a b@mail.ru',
    'a@mail.ru.',
    '.a@mail.ru',
  ])('rejects %s', (email) => expect(isEmail(email)).toBe(false));
});
