/** A registered user as the API shows it (never with the password). */
export interface User {
  id: number;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: number;
}

export interface NewUser extends Omit<User, 'id'> {
  passwordHash: string;
}

export type ProfileChanges = Partial<Pick<User, 'firstName' | 'lastName' | 'email' | 'phone'>>;

export const messages = {
  usernameTaken: 'Пользователь с таким логином уже существует',
  emailTaken: 'Пользователь с таким email уже существует',
  notFound: 'Пользователь не найден',
  credentialsIncorrect: 'Username or password incorrect',
};
