export const messages = {
  accountNotFound: 'Счёт не найден',
  noAccountForUser: 'Счёт для пользователя не найден',
  insufficientFunds: 'Недостаточно средств на счёте',
};

/** Ledger entry kinds. */
export const kinds = {
  topUp: 'top_up',
  payment: 'payment',
  topUpReversal: 'top_up_reversal',
  paymentReversal: 'payment_reversal',
};
