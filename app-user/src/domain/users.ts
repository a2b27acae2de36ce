import { BusinessError, enqueueEvent, type Database } from '@adboard/kit';
import { UserRepository, violatedUniqueness } from '../data/user-repository.js';
import { userCreated } from '../events/user-events.js';
import { hashPassword, unmatchableHash, verifyPassword } from './passwords.js';
import { messages, type ProfileChanges, type User } from './user.js';

export interface Registration {
  username: string;
  password: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: number;
}

function uniquenessError(field: 'username' | 'email'): BusinessError {
  return new BusinessError(field === 'username' ? messages.usernameTaken : messages.emailTaken);
}

/**
 * Registers a user and writes its `user.event` in the same transaction. Checks run in the
 * contract's order (username, then e-mail). Two identical registrations racing each other both
 * pass the checks, and the unique constraints decide: the loser re-runs the checks, which now see
 * the winner, so it gets the same answer a later duplicate would — never a 500.
 */
export async function registerUser(db: Database, registration: Registration): Promise<User> {
  const { password, ...profile } = registration;
  const passwordHash = await hashPassword(password);
  const attempt = () =>
    db.transaction(async (tx) => {
      const users = new UserRepository(tx);
      const taken = await users.takenFields(profile.username, profile.email);
      if (taken.username) throw uniquenessError('username');
      if (taken.email) throw uniquenessError('email');
      const user = await users.insert({ ...profile, passwordHash });
      await enqueueEvent(tx, userCreated(user));
      return user;
    });
  try {
    return await attempt();
  } catch (error) {
    if (!violatedUniqueness(error)) throw error;
    return attempt().catch((again) => {
      const field = violatedUniqueness(again);
      throw field ? uniquenessError(field) : again;
    });
  }
}

export async function getUser(db: Database, id: number): Promise<User> {
  const user = await new UserRepository(db).findById(id);
  if (!user) throw new BusinessError(messages.notFound);
  return user;
}

/** Changes only the fields given; an e-mail another user has is refused. */
export async function updateProfile(db: Database, id: number, changes: ProfileChanges): Promise<User> {
  try {
    return await db.transaction(async (tx) => {
      const users = new UserRepository(tx);
      if (changes.email !== undefined && (await users.emailTaken(changes.email, id)))
        throw uniquenessError('email');
      const user = await users.update(id, changes);
      if (!user) throw new BusinessError(messages.notFound);
      return user;
    });
  } catch (error) {
    if (violatedUniqueness(error) === 'email') throw uniquenessError('email');
    throw error;
  }
}

/**
 * The user whose username and password these are, or one answer for every failure. An unknown
 * username still costs a hash comparison, so response times do not reveal which usernames exist.
 */
export async function checkCredentials(db: Database, username: string, password: string): Promise<User> {
  const found = await new UserRepository(db).findWithPassword(username);
  const matches = await verifyPassword(password, found?.passwordHash ?? (await unmatchableHash));
  if (!found || !matches) throw new BusinessError(messages.credentialsIncorrect);
  return found.user;
}
