import type { EntityManager } from 'typeorm';
import { User } from '../entities';

/** Fields a new user takes. */
export interface NewUser {
  name: string;
  email: string;
  isOperator?: boolean;
}

/** Users. */
export class UserRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Inserts a user; a taken email raises the database's unique violation. */
  async create(input: NewUser): Promise<User> {
    return this.manager.getRepository(User).save(this.manager.create(User, input));
  }

  /** The user with this id, or null. */
  async findById(userId: string): Promise<User | null> {
    return this.manager.findOneBy(User, { id: userId });
  }

  /** The user with this email (exact match), or null. */
  async findByEmail(email: string): Promise<User | null> {
    return this.manager.findOneBy(User, { email });
  }

  /** Makes the user an operator. Returns false when no such user exists. */
  async grantOperator(userId: string): Promise<boolean> {
    const result = await this.manager.update(
      User,
      { id: userId },
      { isOperator: true, updatedAt: () => 'now()' },
    );
    return (result.affected ?? 0) > 0;
  }
}
