import { BusinessError, ServiceUnavailableError, type ServiceClient, type UserClaims } from '@adboard/kit';

export const CREDENTIALS_INCORRECT = 'Username or password incorrect';

/** app-user's internal credential check, over HTTP: app-auth never reads app-user's database. */
export class UserDirectory {
  constructor(private readonly users: ServiceClient) {}

  async checkCredentials(username: string, password: string): Promise<UserClaims> {
    const response = await this.users.request<{ data?: UserClaims }>(
      'POST',
      '/api/v1/internal/credentials/check',
      {
        body: { username, password },
      },
    );
    if (response.status === 200 && response.body.data) return response.body.data;
    if (response.status === 400) throw new BusinessError(CREDENTIALS_INCORRECT);
    throw new ServiceUnavailableError();
  }
}
