/**
 * The Identity Store emulator on a free port, reset before every test, and helpers that drive it
 * with the real @aws-sdk/client-identitystore (used by the emulator's own tests).
 */
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  type CreateUserCommandInput,
  IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  type IdentityStoreEmulator,
  type SeedFile,
  startIdentityStoreEmulator,
} from '../../local/identitystore';

export interface EmulatorHarness {
  readonly emu: IdentityStoreEmulator;
  /** A client without retries (maxAttempts 1): errors arrive as the service sent them. */
  readonly sdk: IdentitystoreClient;
  readonly storeId: string;
  client(maxAttempts?: number): IdentitystoreClient;
  userInput(name: string, extra?: Partial<CreateUserCommandInput>): CreateUserCommandInput;
  createUser(name: string, c?: IdentitystoreClient): Promise<string>;
  createGroup(name: string, c?: IdentitystoreClient): Promise<string>;
  addMember(groupId: string, userId: string): Promise<string>;
}

/** Registers the jest hooks and returns the harness (its fields are valid inside tests). */
export function emulatorHarness(): EmulatorHarness {
  let emu: IdentityStoreEmulator;
  let sdk: IdentitystoreClient;
  const clients: IdentitystoreClient[] = [];
  const h: EmulatorHarness = {
    get emu() {
      return emu;
    },
    get sdk() {
      return sdk;
    },
    get storeId() {
      return emu.identityStoreId;
    },
    client(maxAttempts) {
      const c = new IdentitystoreClient({
        endpoint: emu.endpoint,
        region: 'eu-west-2',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
      });
      clients.push(c);
      return c;
    },
    userInput(name, extra = {}) {
      return {
        IdentityStoreId: emu.identityStoreId,
        UserName: name,
        DisplayName: `${name} display`,
        Name: { GivenName: name, FamilyName: 'Tester' },
        Emails: [{ Value: `${name}@example.com`, Type: 'work', Primary: true }],
        ...extra,
      };
    },
    async createUser(name, c = sdk) {
      return (await c.send(new CreateUserCommand(h.userInput(name)))).UserId!;
    },
    async createGroup(name, c = sdk) {
      return (
        await c.send(new CreateGroupCommand({ IdentityStoreId: emu.identityStoreId, DisplayName: name }))
      ).GroupId!;
    },
    async addMember(groupId, userId) {
      const r = await sdk.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: emu.identityStoreId,
          GroupId: groupId,
          MemberId: { UserId: userId },
        }),
      );
      return r.MembershipId!;
    },
  };
  beforeAll(async () => {
    emu = await startIdentityStoreEmulator({ port: 0, identityStoreId: 'd-1234567890', randomSeed: 7 });
    sdk = h.client(1);
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await emu.close();
  });
  beforeEach(() => {
    emu.load({});
    emu.setFaults(undefined);
    emu.setRps(undefined);
    emu.setLatency(0);
    emu.resetCounts();
  });
  return h;
}

/** The rejection of `p`, failing the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown> & Error;
  }
  throw new Error('expected the call to fail');
}

export function manyUsers(n: number): SeedFile['users'] {
  return Array.from({ length: n }, (_, i) => ({
    UserName: `user${String(i).padStart(4, '0')}`,
    DisplayName: `User ${i}`,
    Name: { GivenName: 'User', FamilyName: String(i) },
  }));
}
