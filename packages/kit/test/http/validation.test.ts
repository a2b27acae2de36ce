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

  it.each([[], 'text', 42, null])('treats a non-object body %j as an empty one', (body) => {
    expect(validateObject(schema, body)).toHaveLength(4);
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
