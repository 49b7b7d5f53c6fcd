/**
 * The local Identity Store emulator, driven by the real @aws-sdk/client-identitystore.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  type CreateUserCommandInput,
  DeleteGroupCommand,
  DeleteGroupMembershipCommand,
  DeleteUserCommand,
  DescribeGroupCommand,
  DescribeGroupMembershipCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  IdentitystoreClient,
  IsMemberInGroupsCommand,
  ListGroupMembershipsCommand,
  ListGroupMembershipsForMemberCommand,
  ListGroupsCommand,
  ListUsersCommand,
  paginateListGroupMemberships,
  paginateListUsers,
  UpdateGroupCommand,
  UpdateUserCommand,
  type User,
} from '@aws-sdk/client-identitystore';
import {
  type IdentityStoreEmulator,
  type SeedFile,
  startIdentityStoreEmulator,
  totalCounts,
  WRITE_OPERATIONS,
} from '../../local/identitystore';

let emu: IdentityStoreEmulator;
let sdk: IdentitystoreClient;
let storeId: string;
const clients: IdentitystoreClient[] = [];

function client(maxAttempts?: number): IdentitystoreClient {
  const c = new IdentitystoreClient({
    endpoint: emu.endpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
  clients.push(c);
  return c;
}

/** The rejection of `p`, failing the test when it resolves. */
async function failure(p: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await p;
  } catch (e) {
    return e as Record<string, unknown> & Error;
  }
  throw new Error('expected the call to fail');
}

function userInput(name: string, extra: Partial<CreateUserCommandInput> = {}): CreateUserCommandInput {
  return {
    IdentityStoreId: storeId,
    UserName: name,
    DisplayName: `${name} display`,
    Name: { GivenName: name, FamilyName: 'Tester' },
    Emails: [{ Value: `${name}@example.com`, Type: 'work', Primary: true }],
    ...extra,
  };
}

async function createUser(name: string, c = sdk): Promise<string> {
  return (await c.send(new CreateUserCommand(userInput(name)))).UserId!;
}

async function createGroup(name: string, c = sdk): Promise<string> {
  return (await c.send(new CreateGroupCommand({ IdentityStoreId: storeId, DisplayName: name }))).GroupId!;
}

async function addMember(groupId: string, userId: string): Promise<string> {
  const r = await sdk.send(
    new CreateGroupMembershipCommand({
      IdentityStoreId: storeId,
      GroupId: groupId,
      MemberId: { UserId: userId },
    }),
  );
  return r.MembershipId!;
}

function manyUsers(n: number): SeedFile['users'] {
  return Array.from({ length: n }, (_, i) => ({
    UserName: `user${String(i).padStart(4, '0')}`,
    DisplayName: `User ${i}`,
    Name: { GivenName: 'User', FamilyName: String(i) },
  }));
}

beforeAll(async () => {
  emu = await startIdentityStoreEmulator({ port: 0, identityStoreId: 'd-1234567890', randomSeed: 7 });
  storeId = emu.identityStoreId;
  sdk = client(1);
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

describe('protocol and shapes', () => {
  test('creates and describes a user with the full shape and service-format ids', async () => {
    const userId = await createUser('alice');
    expect(userId).toMatch(
      /^1234567890-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const u = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: userId }));
    expect(u).toMatchObject({
      IdentityStoreId: storeId,
      UserId: userId,
      UserName: 'alice',
      DisplayName: 'alice display',
      Name: { GivenName: 'alice', FamilyName: 'Tester' },
      Emails: [{ Value: 'alice@example.com', Type: 'work', Primary: true }],
    });
    expect(u.CreatedAt).toBeInstanceOf(Date);
    expect(Math.abs(u.CreatedAt!.getTime() - Date.now())).toBeLessThan(10_000);
    const groupId = await createGroup('Engineers');
    const g = await sdk.send(new DescribeGroupCommand({ IdentityStoreId: storeId, GroupId: groupId }));
    expect(g).toMatchObject({ GroupId: groupId, DisplayName: 'Engineers', IdentityStoreId: storeId });
    const membershipId = await addMember(groupId, userId);
    const m = await sdk.send(
      new DescribeGroupMembershipCommand({ IdentityStoreId: storeId, MembershipId: membershipId }),
    );
    expect(m).toMatchObject({ MembershipId: membershipId, GroupId: groupId, MemberId: { UserId: userId } });
  });

  test('raw JSON 1.1: content type, request id, error type header and __type; unknown operation', async () => {
    const post = (target: string, body: unknown) =>
      fetch(`${emu.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body: JSON.stringify(body),
      });
    const ok = await post('AWSIdentityStore.ListUsers', { IdentityStoreId: storeId });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ok.json()).toEqual({ Users: [] });
    const bad = await post('AWSIdentityStore.DescribeUser', { IdentityStoreId: storeId, UserId: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toBe('ValidationException');
    expect(await bad.json()).toMatchObject({
      __type: 'ValidationException',
      Message: expect.stringContaining('UserId'),
    });
    const unknown = await post('AWSIdentityStore.DescribeEverything', {});
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  test('a request for another identity store is ResourceNotFoundException IDENTITY_STORE', async () => {
    const e = await failure(sdk.send(new ListUsersCommand({ IdentityStoreId: 'd-0000000000' })));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.ResourceType).toBe('IDENTITY_STORE');
  });
});

describe('uniqueness ignoring case', () => {
  test('CreateUser / CreateGroup with a case variant of an existing name is a ConflictException', async () => {
    await createUser('Alice');
    const e = await failure(createUser('aLICE'));
    expect(e.name).toBe('ConflictException');
    expect(e.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    await createGroup('Platform Team');
    const g = await failure(createGroup('PLATFORM team'));
    expect(g.name).toBe('ConflictException');
    expect(g.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
  });

  test('UpdateUser / UpdateGroup renames collide ignoring case; a user may change the case of its own name', async () => {
    const a = await createUser('alice');
    await createUser('bob');
    const e = await failure(
      sdk.send(
        new UpdateUserCommand({
          IdentityStoreId: storeId,
          UserId: a,
          Operations: [{ AttributePath: 'userName', AttributeValue: 'BOB' }],
        }),
      ),
    );
    expect(e.name).toBe('ConflictException');
    expect(e.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    await sdk.send(
      new UpdateUserCommand({
        IdentityStoreId: storeId,
        UserId: a,
        Operations: [{ AttributePath: 'userName', AttributeValue: 'Alice' }],
      }),
    );
    const u = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: a }));
    expect(u.UserName).toBe('Alice');
    const byName = await sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: storeId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'ALICE' } },
      }),
    );
    expect(byName.UserId).toBe(a);

    const g1 = await createGroup('one');
    await createGroup('two');
    const ge = await failure(
      sdk.send(
        new UpdateGroupCommand({
          IdentityStoreId: storeId,
          GroupId: g1,
          Operations: [{ AttributePath: 'displayName', AttributeValue: 'TWO' }],
        }),
      ),
    );
    expect(ge.name).toBe('ConflictException');
    expect(ge.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
  });
});

describe('validation', () => {
  const expectValidation = async (p: Promise<unknown>, member: string) => {
    const e = await failure(p);
    expect(e.name).toBe('ValidationException');
    expect(e.message).toContain(member);
    return e;
  };

  test('missing required members, bad patterns, MaxResults range, unions', async () => {
    await expectValidation(
      sdk.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: storeId,
          GroupId: undefined as unknown as string,
          MemberId: { UserId: '1234567890-00000000-0000-4000-8000-000000000000' },
        }),
      ),
      "'GroupId'",
    );
    const p = await expectValidation(
      sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: 'not-an-id' })),
      "'UserId'",
    );
    expect(p.message).toContain('pattern');
    await expectValidation(
      sdk.send(new ListUsersCommand({ IdentityStoreId: storeId, MaxResults: 0 })),
      "'MaxResults'",
    );
    await expectValidation(
      sdk.send(new ListGroupsCommand({ IdentityStoreId: storeId, MaxResults: 101 })),
      "'MaxResults'",
    );
    await expectValidation(
      sdk.send(new CreateUserCommand(userInput('x', { Emails: [{ Value: 'a@b' }, { Value: 'c@d' }] }))),
      "'Emails'",
    );
    await expectValidation(
      sdk.send(
        new GetUserIdCommand({
          IdentityStoreId: storeId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'a' },
            ExternalId: { Issuer: 'i', Id: 'x' },
          } as never,
        }),
      ),
      "'AlternateIdentifier'",
    );
  });

  test('Identity Center rules: required user attributes, group DisplayName, reserved names', async () => {
    await expectValidation(
      sdk.send(new CreateUserCommand(userInput('carol', { Name: { FamilyName: 'Only' } }))),
      "'Name.GivenName'",
    );
    await expectValidation(
      sdk.send(new CreateUserCommand(userInput('dave', { DisplayName: undefined }))),
      "'DisplayName'",
    );
    await expectValidation(sdk.send(new CreateGroupCommand({ IdentityStoreId: storeId })), "'DisplayName'");
    await expectValidation(sdk.send(new CreateUserCommand(userInput('Administrator'))), "'UserName'");
    await expectValidation(
      sdk.send(new CreateGroupCommand({ IdentityStoreId: storeId, DisplayName: 'awsadministrators' })),
      "'DisplayName'",
    );
    expect(emu.dump()).toEqual({ users: [], groups: [], memberships: [] });
  });
});

describe('paging', () => {
  test('250 users through the SDK paginator: each exactly once, pages of MaxResults; bad tokens rejected', async () => {
    emu.load({ users: manyUsers(250) });
    const pages: User[][] = [];
    for await (const page of paginateListUsers(
      { client: sdk, pageSize: 100 },
      { IdentityStoreId: storeId },
    )) {
      pages.push(page.Users ?? []);
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const ids = pages.flat().map((u) => u.UserId);
    expect(new Set(ids).size).toBe(250);
    expect(pages.flat().map((u) => u.UserName)).toEqual(manyUsers(250)?.map((u) => u.UserName));

    const first = await sdk.send(new ListUsersCommand({ IdentityStoreId: storeId }));
    expect(first.Users).toHaveLength(100);
    expect(first.NextToken).toMatch(/^[-a-zA-Z0-9+=/:_]+$/);
    const bad = await failure(
      sdk.send(new ListUsersCommand({ IdentityStoreId: storeId, NextToken: 'garbage' })),
    );
    expect(bad.name).toBe('ValidationException');
    const other = await failure(
      sdk.send(new ListGroupsCommand({ IdentityStoreId: storeId, NextToken: first.NextToken })),
    );
    expect(other.name).toBe('ValidationException');
  });

  test('creations and deletions between pages: no duplicates, no skipped survivors', async () => {
    emu.load({ users: manyUsers(30) });
    const page1 = await sdk.send(new ListUsersCommand({ IdentityStoreId: storeId, MaxResults: 10 }));
    const seen = (page1.Users ?? []).map((u) => u.UserName!);
    const all = emu.dump().users;
    const idOf = (name: string) => all.find((u) => u.UserName === name)!.UserId!;
    // delete one already seen and two not yet seen, add one
    for (const name of ['user0003', 'user0012', 'user0025']) {
      await sdk.send(new DeleteUserCommand({ IdentityStoreId: storeId, UserId: idOf(name) }));
    }
    await createUser('latecomer');
    let token = page1.NextToken;
    while (token) {
      const p = await sdk.send(
        new ListUsersCommand({ IdentityStoreId: storeId, MaxResults: 10, NextToken: token }),
      );
      seen.push(...(p.Users ?? []).map((u) => u.UserName!));
      token = p.NextToken;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const survivors = emu.dump().users.map((u) => u.UserName);
    for (const s of survivors) expect(seen).toContain(s);
    expect(seen).not.toContain('user0012');
    expect(seen).not.toContain('user0025');
  });

  test('ListUsers / ListGroups honour the deprecated Filters, ignoring case', async () => {
    await createUser('Zed');
    await createGroup('Ops');
    const u = await sdk.send(
      new ListUsersCommand({
        IdentityStoreId: storeId,
        Filters: [{ AttributePath: 'UserName', AttributeValue: 'zed' }],
      }),
    );
    expect(u.Users?.map((x) => x.UserName)).toEqual(['Zed']);
    const g = await sdk.send(
      new ListGroupsCommand({
        IdentityStoreId: storeId,
        Filters: [{ AttributePath: 'DisplayName', AttributeValue: 'OPS' }],
      }),
    );
    expect(g.Groups?.map((x) => x.DisplayName)).toEqual(['Ops']);
  });
});

describe('memberships', () => {
  test('DeleteUser and DeleteGroup cascade to memberships', async () => {
    const u1 = await createUser('u1');
    const u2 = await createUser('u2');
    const g1 = await createGroup('g1');
    const g2 = await createGroup('g2');
    const m11 = await addMember(g1, u1);
    await addMember(g2, u1);
    await addMember(g1, u2);
    await addMember(g2, u2);
    await sdk.send(new DeleteUserCommand({ IdentityStoreId: storeId, UserId: u1 }));
    const gone = await failure(
      sdk.send(new DescribeGroupMembershipCommand({ IdentityStoreId: storeId, MembershipId: m11 })),
    );
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.ResourceType).toBe('GROUP_MEMBERSHIP');
    const members: string[] = [];
    for await (const p of paginateListGroupMemberships(
      { client: sdk },
      { IdentityStoreId: storeId, GroupId: g1 },
    )) {
      members.push(...(p.GroupMemberships ?? []).map((m) => m.MemberId?.UserId ?? ''));
    }
    expect(members).toEqual([u2]);
    await sdk.send(new DeleteGroupCommand({ IdentityStoreId: storeId, GroupId: g2 }));
    const forU2 = await sdk.send(
      new ListGroupMembershipsForMemberCommand({ IdentityStoreId: storeId, MemberId: { UserId: u2 } }),
    );
    expect(forU2.GroupMemberships?.map((m) => m.GroupId)).toEqual([g1]);
    expect(emu.dump().memberships).toEqual([{ group: 'g1', user: 'u2' }]);
  });

  test('membership errors: duplicate, missing group/user/membership', async () => {
    const u = await createUser('member');
    const g = await createGroup('club');
    await addMember(g, u);
    const dup = await failure(addMember(g, u));
    expect(dup.name).toBe('ConflictException');
    expect(dup.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    const ghost = '1234567890-00000000-0000-4000-8000-000000000000';
    const noGroup = await failure(addMember(ghost, u));
    expect([noGroup.name, noGroup.ResourceType, noGroup.ResourceId]).toEqual([
      'ResourceNotFoundException',
      'GROUP',
      ghost,
    ]);
    const noUser = await failure(addMember(g, ghost));
    expect([noUser.name, noUser.ResourceType]).toEqual(['ResourceNotFoundException', 'USER']);
    const noMembership = await failure(
      sdk.send(new DeleteGroupMembershipCommand({ IdentityStoreId: storeId, MembershipId: ghost })),
    );
    expect(noMembership.ResourceType).toBe('GROUP_MEMBERSHIP');
    const listMissing = await failure(
      sdk.send(new ListGroupMembershipsCommand({ IdentityStoreId: storeId, GroupId: ghost })),
    );
    expect(listMissing.ResourceType).toBe('GROUP');
    const delMissing = await failure(
      sdk.send(new DeleteUserCommand({ IdentityStoreId: storeId, UserId: ghost })),
    );
    expect(delMissing.ResourceType).toBe('USER');
  });

  test('GetUserId, GetGroupId, GetGroupMembershipId, IsMemberInGroups, ListGroupMembershipsForMember', async () => {
    emu.load({
      users: [
        {
          UserName: 'ext',
          DisplayName: 'Ext User',
          Name: { GivenName: 'E', FamilyName: 'X' },
          Emails: [{ Value: 'Ext@Example.com' }],
          ExternalIds: [{ Issuer: 'entra', Id: 'oid-1' }],
        },
      ],
      groups: [{ DisplayName: 'Readers', ExternalIds: [{ Issuer: 'entra', Id: 'gid-1' }] }],
    });
    const { UserId: userId } = await sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: storeId,
        AlternateIdentifier: { ExternalId: { Issuer: 'entra', Id: 'oid-1' } },
      }),
    );
    const u = { UserId: userId! };
    const byEmail = await sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: storeId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'ext@example.com' },
        },
      }),
    );
    expect(byEmail.UserId).toBe(u.UserId);
    const g = await sdk.send(
      new GetGroupIdCommand({
        IdentityStoreId: storeId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'readers' } },
      }),
    );
    const gExt = await sdk.send(
      new GetGroupIdCommand({
        IdentityStoreId: storeId,
        AlternateIdentifier: { ExternalId: { Issuer: 'entra', Id: 'gid-1' } },
      }),
    );
    expect(gExt.GroupId).toBe(g.GroupId);
    const other = await createGroup('Writers');
    const mId = await addMember(g.GroupId!, u.UserId!);
    const found = await sdk.send(
      new GetGroupMembershipIdCommand({
        IdentityStoreId: storeId,
        GroupId: g.GroupId,
        MemberId: { UserId: u.UserId },
      }),
    );
    expect(found.MembershipId).toBe(mId);
    const notMember = await failure(
      sdk.send(
        new GetGroupMembershipIdCommand({
          IdentityStoreId: storeId,
          GroupId: other,
          MemberId: { UserId: u.UserId },
        }),
      ),
    );
    expect(notMember.ResourceType).toBe('GROUP_MEMBERSHIP');
    const check = await sdk.send(
      new IsMemberInGroupsCommand({
        IdentityStoreId: storeId,
        MemberId: { UserId: u.UserId },
        GroupIds: [g.GroupId!, other],
      }),
    );
    expect(check.Results).toEqual([
      { GroupId: g.GroupId, MemberId: { UserId: u.UserId }, MembershipExists: true },
      { GroupId: other, MemberId: { UserId: u.UserId }, MembershipExists: false },
    ]);
    const forMember = await sdk.send(
      new ListGroupMembershipsForMemberCommand({ IdentityStoreId: storeId, MemberId: { UserId: u.UserId } }),
    );
    expect(forMember.GroupMemberships?.map((m) => [m.GroupId, m.MembershipId])).toEqual([[g.GroupId, mId]]);
    const miss = await failure(
      sdk.send(
        new GetUserIdCommand({
          IdentityStoreId: storeId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'nobody' } },
        }),
      ),
    );
    expect([miss.name, miss.ResourceType]).toEqual(['ResourceNotFoundException', 'USER']);
    const gMiss = await failure(
      sdk.send(
        new GetGroupIdCommand({
          IdentityStoreId: storeId,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'nothing' },
          },
        }),
      ),
    );
    expect(gMiss.ResourceType).toBe('GROUP');
  });
});

describe('UpdateUser / UpdateGroup attribute paths', () => {
  const update = (UserId: string, Operations: { AttributePath: string; AttributeValue?: unknown }[]) =>
    sdk.send(new UpdateUserCommand({ IdentityStoreId: storeId, UserId, Operations: Operations as never }));

  test('sets, replaces and removes attributes; UpdatedAt moves', async () => {
    const id = await createUser('eve');
    await update(id, [
      { AttributePath: 'nickName', AttributeValue: 'evie' },
      { AttributePath: 'title', AttributeValue: 'CTO' },
    ]);
    const before = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: id }));
    expect(before).toMatchObject({ NickName: 'evie', Title: 'CTO' });
    await new Promise((r) => setTimeout(r, 5));
    await update(id, [
      { AttributePath: 'DisplayName', AttributeValue: 'Eve Online' },
      { AttributePath: 'name.givenName', AttributeValue: 'Evelyn' },
      { AttributePath: 'name.middleName', AttributeValue: 'M' },
      {
        AttributePath: 'emails',
        AttributeValue: [{ value: 'eve@new.example', type: 'work', primary: true }],
      },
      { AttributePath: 'nickName' },
      { AttributePath: 'title', AttributeValue: null },
    ]);
    const after = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: id }));
    expect(after).toMatchObject({
      DisplayName: 'Eve Online',
      Name: { GivenName: 'Evelyn', FamilyName: 'Tester', MiddleName: 'M' },
      Emails: [{ Value: 'eve@new.example', Type: 'work', Primary: true }],
    });
    expect(after.NickName).toBeUndefined();
    expect(after.Title).toBeUndefined();
    expect(after.UpdatedAt!.getTime()).toBeGreaterThan(before.UpdatedAt!.getTime());
    expect(after.CreatedAt).toEqual(before.CreatedAt);
    await update(id, [{ AttributePath: 'name', AttributeValue: { GivenName: 'E', FamilyName: 'V' } }]);
    const whole = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: id }));
    expect(whole.Name).toEqual({ GivenName: 'E', FamilyName: 'V' });
    const byNewEmail = await sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: storeId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'eve@new.example' },
        },
      }),
    );
    expect(byNewEmail.UserId).toBe(id);
  });

  test('unknown paths, removing required attributes and invalid values are ValidationExceptions, nothing applied', async () => {
    const id = await createUser('frank');
    const unknown = await failure(update(id, [{ AttributePath: 'shoeSize', AttributeValue: '44' }]));
    expect(unknown.name).toBe('ValidationException');
    expect(unknown.message).toContain('AttributePath');
    const removed = await failure(
      update(id, [{ AttributePath: 'nickName', AttributeValue: 'x' }, { AttributePath: 'displayName' }]),
    );
    expect(removed.name).toBe('ValidationException');
    expect(removed.message).toContain('DisplayName');
    const twoEmails = await failure(
      update(id, [{ AttributePath: 'emails', AttributeValue: [{ Value: 'a@b' }, { Value: 'c@d' }] }]),
    );
    expect(twoEmails.name).toBe('ValidationException');
    const reserved = await failure(
      update(id, [{ AttributePath: 'userName', AttributeValue: 'Administrator' }]),
    );
    expect(reserved.message).toContain('UserName');
    const u = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: id }));
    expect(u.NickName).toBeUndefined();
    expect(u.DisplayName).toBe('frank display');
  });

  test('UpdateGroup: displayName and description', async () => {
    const g = await createGroup('grp');
    await sdk.send(
      new UpdateGroupCommand({
        IdentityStoreId: storeId,
        GroupId: g,
        Operations: [
          { AttributePath: 'displayName', AttributeValue: 'Group One' },
          { AttributePath: 'description', AttributeValue: 'the first' },
        ],
      }),
    );
    const d = await sdk.send(new DescribeGroupCommand({ IdentityStoreId: storeId, GroupId: g }));
    expect(d).toMatchObject({ DisplayName: 'Group One', Description: 'the first' });
    await sdk.send(
      new UpdateGroupCommand({
        IdentityStoreId: storeId,
        GroupId: g,
        Operations: [{ AttributePath: 'description' }],
      }),
    );
    const d2 = await sdk.send(new DescribeGroupCommand({ IdentityStoreId: storeId, GroupId: g }));
    expect(d2.Description).toBeUndefined();
  });
});

describe('switches', () => {
  test('rps limit: ThrottlingException (retryable as throttling) with maxAttempts 1, a burst completes with default retry', async () => {
    const uid = await createUser('throttled');
    emu.setRps(2); // burst 2, one more token every 500 ms
    emu.resetCounts();
    const describe = (c: IdentitystoreClient) =>
      c.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: uid })).then(
        (r) => ({ ok: true as const, attempts: r.$metadata.attempts ?? 1 }),
        (e: Record<string, unknown> & Error) => ({ ok: false as const, e }),
      );
    const single = await Promise.all(Array.from({ length: 10 }, () => describe(sdk)));
    const errors = single.flatMap((r) => (r.ok ? [] : [r.e]));
    const passed = single.length - errors.length;
    expect(passed).toBeGreaterThanOrEqual(2);
    expect(passed).toBeLessThanOrEqual(3);
    for (const e of errors) {
      expect(e.name).toBe('ThrottlingException');
      expect(e.RetryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(e.$retryable).toEqual({ throttling: true });
    }
    expect(emu.counts().DescribeUser).toMatchObject({
      received: 10,
      throttled: errors.length,
      succeeded: passed,
    });

    emu.setRps(25);
    emu.resetCounts();
    const retrying = client();
    const burst = await Promise.all(Array.from({ length: 35 }, () => describe(retrying)));
    expect(burst.every((r) => r.ok)).toBe(true);
    expect(Math.max(...burst.map((r) => (r.ok ? r.attempts : 0)))).toBeGreaterThan(1);
    const c = emu.counts().DescribeUser;
    expect(c.succeeded).toBe(35);
    expect(c.throttled).toBeGreaterThan(0);
    expect(c.received).toBe(35 + c.throttled);
  });

  test('fault rate with a fixed seed is deterministic and restricted to the listed operations', async () => {
    const uid = await createUser('flaky');
    const run = async () => {
      emu.setFaults({ rate: 0.3, seed: 42, operations: ['DescribeUser'] });
      const outcome: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: uid })).then(
          () => 'ok',
          (e: Error) => e.name,
        );
        outcome.push(r);
      }
      await sdk.send(new ListUsersCommand({ IdentityStoreId: storeId })); // never faulted
      return outcome;
    };
    emu.resetCounts();
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((o) => o !== 'ok');
    expect(failures.length).toBeGreaterThan(4);
    expect(failures.length).toBeLessThan(24);
    expect(new Set(failures)).toEqual(new Set(['InternalServerException']));
    const counts = emu.counts();
    expect(counts.DescribeUser.faulted).toBe(failures.length * 2);
    expect(counts.ListUsers).toMatchObject({ received: 2, succeeded: 2, faulted: 0 });
  });

  test('Nth call faults: before applies nothing, after applies the write but the client gets the error', async () => {
    emu.setFaults({
      rules: [
        { operation: 'CreateUser', nth: 2, error: 'ThrottlingException', mode: 'before' },
        { operation: 'CreateUser', nth: 3, error: 'InternalServerException', mode: 'after' },
      ],
    });
    await createUser('first');
    const before = await failure(createUser('second'));
    expect(before.name).toBe('ThrottlingException');
    const after = await failure(createUser('third'));
    expect(after.name).toBe('InternalServerException');
    expect(after.$metadata).toMatchObject({ httpStatusCode: 500 });
    expect(emu.dump().users.map((u) => u.UserName)).toEqual(['first', 'third']);
    // a retry of the lost-response write meets the applied write
    const retry = await failure(createUser('third'));
    expect(retry.name).toBe('ConflictException');
    expect(emu.counts().CreateUser).toMatchObject({ received: 4, faulted: 2, succeeded: 1, failed: 1 });

    // with the SDK's default retry, a `before` InternalServerException is retried transparently
    emu.setFaults({ rules: [{ operation: 'CreateGroup', nth: 1 }] });
    const r = await client().send(
      new CreateGroupCommand({ IdentityStoreId: storeId, DisplayName: 'retried' }),
    );
    expect(r.$metadata.attempts).toBe(2);
  });

  test('latency delays each call', async () => {
    emu.setLatency(60);
    const t0 = performance.now();
    await sdk.send(new ListUsersCommand({ IdentityStoreId: storeId }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  test('counters per operation, totals, write operations, reset', async () => {
    expect([...WRITE_OPERATIONS].sort()).toEqual(
      [
        'CreateGroup',
        'CreateGroupMembership',
        'CreateUser',
        'DeleteGroup',
        'DeleteGroupMembership',
        'DeleteUser',
        'UpdateGroup',
        'UpdateUser',
      ].sort(),
    );
    const u = await createUser('counted');
    await createGroup('counted');
    await failure(createGroup('COUNTED'));
    await sdk.send(new DescribeUserCommand({ IdentityStoreId: storeId, UserId: u }));
    const c = emu.counts();
    expect(c.CreateUser).toEqual({ received: 1, throttled: 0, faulted: 0, failed: 0, succeeded: 1 });
    expect(c.CreateGroup).toEqual({ received: 2, throttled: 0, faulted: 0, failed: 1, succeeded: 1 });
    expect(c.DescribeUser.succeeded).toBe(1);
    expect(totalCounts(c, WRITE_OPERATIONS).received).toBe(3);
    expect(totalCounts(c).received).toBe(4);
    emu.resetCounts();
    expect(totalCounts(emu.counts()).received).toBe(0);
  });
});

describe('seed and dump', () => {
  const seed: SeedFile = {
    users: [
      { UserName: 'zoe', DisplayName: 'Zoe', Name: { GivenName: 'Zoe', FamilyName: 'Z' }, Title: 'Dev' },
      {
        UserId: '1234567890-11111111-1111-4111-8111-111111111111',
        UserName: 'Adam',
        DisplayName: 'Adam A',
        Name: { GivenName: 'Adam', FamilyName: 'A' },
        Emails: [{ Value: 'adam@example.com', Primary: true }],
      },
    ],
    groups: [
      { DisplayName: 'beta' },
      {
        GroupId: '1234567890-22222222-2222-4222-8222-222222222222',
        DisplayName: 'Alpha',
        Description: 'first',
      },
    ],
    memberships: [
      { group: 'BETA', user: 'zoe' },
      { group: 'alpha', user: 'zoe' },
      { group: 'Alpha', user: 'adam' },
    ],
  };

  test('round trip: sorted, with ids, without timestamps; reload gives an equal dump', async () => {
    emu.load(seed);
    const dump = emu.dump();
    expect(dump.users.map((u) => u.UserName)).toEqual(['Adam', 'zoe']);
    expect(dump.users[0]).toEqual({ ...seed.users?.[1] });
    expect(dump.users[1]).toEqual({ ...seed.users?.[0], UserId: expect.stringMatching(/^1234567890-/) });
    expect(dump.groups.map((g) => [g.DisplayName, g.Description])).toEqual([
      ['Alpha', 'first'],
      ['beta', undefined],
    ]);
    expect(dump.groups[0]?.GroupId).toBe('1234567890-22222222-2222-4222-8222-222222222222');
    expect(dump.memberships).toEqual([
      { group: 'Alpha', user: 'Adam' },
      { group: 'Alpha', user: 'zoe' },
      { group: 'beta', user: 'zoe' },
    ]);
    const u = await sdk.send(
      new DescribeUserCommand({
        IdentityStoreId: storeId,
        UserId: '1234567890-11111111-1111-4111-8111-111111111111',
      }),
    );
    expect(u.UserName).toBe('Adam');
    emu.load(JSON.parse(JSON.stringify(dump)));
    expect(emu.dump()).toEqual(dump);
  });

  test('an invalid seed is refused and the state stays as it was', () => {
    emu.load(seed);
    const before = emu.dump();
    expect(() => emu.load({ ...seed, memberships: [{ group: 'alpha', user: 'ghost' }] })).toThrow(
      /unknown user/,
    );
    expect(() =>
      emu.load({ users: [{ UserName: 'x', DisplayName: 'x', Name: { GivenName: 'x' } }] }),
    ).toThrow(/Name\.FamilyName/);
    expect(() =>
      emu.load({
        users: [
          { UserName: 'dup', DisplayName: 'a', Name: { GivenName: 'a', FamilyName: 'a' } },
          { UserName: 'DUP', DisplayName: 'b', Name: { GivenName: 'b', FamilyName: 'b' } },
        ],
      }),
    ).toThrow(/Duplicate UserName/);
    expect(emu.dump()).toEqual(before);
  });

  test('admin endpoints: state, counts, faults, rps', async () => {
    const res = await fetch(`${emu.endpoint}/_emulator/state`, {
      method: 'POST',
      body: JSON.stringify(seed),
    });
    expect(res.status).toBe(200);
    const state = (await (await fetch(`${emu.endpoint}/_emulator/state`)).json()) as SeedFile;
    expect(state).toEqual(emu.dump());
    await fetch(`${emu.endpoint}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ operation: 'ListGroups', nth: 1, error: 'ThrottlingException' }] }),
    });
    expect((await failure(sdk.send(new ListGroupsCommand({ IdentityStoreId: storeId })))).name).toBe(
      'ThrottlingException',
    );
    await fetch(`${emu.endpoint}/_emulator/faults`, { method: 'POST', body: 'null' });
    await fetch(`${emu.endpoint}/_emulator/rps`, { method: 'POST', body: JSON.stringify({ rps: 1 }) });
    await sdk.send(new ListGroupsCommand({ IdentityStoreId: storeId }));
    expect((await failure(sdk.send(new ListGroupsCommand({ IdentityStoreId: storeId })))).name).toBe(
      'ThrottlingException',
    );
    await fetch(`${emu.endpoint}/_emulator/rps`, { method: 'POST', body: 'null' });
    const counts = (await (await fetch(`${emu.endpoint}/_emulator/counts`)).json()) as Record<
      string,
      { received: number }
    >;
    expect(counts.ListGroups?.received).toBe(3);
    await fetch(`${emu.endpoint}/_emulator/counts/reset`, { method: 'POST' });
    expect(emu.counts().ListGroups.received).toBe(0);
    const bad = await fetch(`${emu.endpoint}/_emulator/state`, {
      method: 'POST',
      body: '{"memberships":[{"group":"x","user":"y"}]}',
    });
    expect(bad.status).toBe(400);
  });
});

describe('emulate command', () => {
  const root = join(__dirname, '..', '..');

  /** Spawns `node <nodeArgs> emulate ...`, reads its JSON line, lists users through it, stops it with SIGTERM. */
  async function emulateRoundTrip(nodeArgs: string[]): Promise<void> {
    const child: ChildProcess = spawn(
      process.execPath,
      [...nodeArgs, 'emulate', '--port', '0', '--identity-store-id', 'd-abcdef0123'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.stderr?.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.on('exit', (code) => reject(new Error(`emulate exited with ${code}: ${err}`)));
        timer = setTimeout(() => reject(new Error(`no output from emulate: ${err}`)), 15_000);
      });
      const info = JSON.parse(line) as { endpoint: string; identityStoreId: string };
      expect(info.identityStoreId).toBe('d-abcdef0123');
      expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const c = new IdentitystoreClient({
        endpoint: info.endpoint,
        region: 'eu-west-2',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const r = await c.send(new ListUsersCommand({ IdentityStoreId: info.identityStoreId }));
      expect(r.Users).toEqual([]);
      c.destroy();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  test('`node cli/bin.cjs emulate --port 0` (what `npx scim-sync emulate` runs)', async () => {
    await emulateRoundTrip([join(root, 'cli', 'bin.cjs')]);
  });

  test('`tsx cli/main.ts emulate --port 0`', async () => {
    await emulateRoundTrip(['--import', 'tsx', join(root, 'cli', 'main.ts')]);
  });
});
