import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  DeleteUserCommand,
  DescribeGroupCommand,
  DescribeGroupMembershipCommand,
  DescribeUserCommand,
  GetUserIdCommand,
  ListGroupsCommand,
  ListUsersCommand,
  paginateListUsers,
  UpdateGroupCommand,
  UpdateUserCommand,
  type User,
} from '@aws-sdk/client-identitystore';
import { emulatorHarness, failure, manyUsers } from '../support/emulator';

const h = emulatorHarness();

describe('protocol and shapes', () => {
  test('creates and describes a user with the full shape and service-format ids', async () => {
    const userId = await h.createUser('alice');
    expect(userId).toMatch(
      /^1234567890-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const u = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: userId }));
    expect(u).toMatchObject({
      IdentityStoreId: h.storeId,
      UserId: userId,
      UserName: 'alice',
      DisplayName: 'alice display',
      Name: { GivenName: 'alice', FamilyName: 'Tester' },
      Emails: [{ Value: 'alice@example.com', Type: 'work', Primary: true }],
    });
    expect(u.CreatedAt).toBeInstanceOf(Date);
    expect(Math.abs(u.CreatedAt!.getTime() - Date.now())).toBeLessThan(10_000);
    const groupId = await h.createGroup('Engineers');
    const g = await h.sdk.send(new DescribeGroupCommand({ IdentityStoreId: h.storeId, GroupId: groupId }));
    expect(g).toMatchObject({ GroupId: groupId, DisplayName: 'Engineers', IdentityStoreId: h.storeId });
    const membershipId = await h.addMember(groupId, userId);
    const m = await h.sdk.send(
      new DescribeGroupMembershipCommand({ IdentityStoreId: h.storeId, MembershipId: membershipId }),
    );
    expect(m).toMatchObject({ MembershipId: membershipId, GroupId: groupId, MemberId: { UserId: userId } });
  });

  test('raw JSON 1.1: content type, request id, error type header and __type; unknown operation', async () => {
    const post = (target: string, body: unknown) =>
      fetch(`${h.emu.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body: JSON.stringify(body),
      });
    const ok = await post('AWSIdentityStore.ListUsers', { IdentityStoreId: h.storeId });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ok.json()).toEqual({ Users: [] });
    const bad = await post('AWSIdentityStore.DescribeUser', { IdentityStoreId: h.storeId, UserId: 'nope' });
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
    const e = await failure(h.sdk.send(new ListUsersCommand({ IdentityStoreId: 'd-0000000000' })));
    expect(e.name).toBe('ResourceNotFoundException');
    expect(e.ResourceType).toBe('IDENTITY_STORE');
  });
});

describe('uniqueness ignoring case', () => {
  test('CreateUser / CreateGroup with a case variant of an existing name is a ConflictException', async () => {
    await h.createUser('Alice');
    const e = await failure(h.createUser('aLICE'));
    expect(e.name).toBe('ConflictException');
    expect(e.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    await h.createGroup('Platform Team');
    const g = await failure(h.createGroup('PLATFORM team'));
    expect(g.name).toBe('ConflictException');
    expect(g.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
  });

  test('UpdateUser / UpdateGroup renames collide ignoring case; a user may change the case of its own name', async () => {
    const a = await h.createUser('alice');
    await h.createUser('bob');
    const e = await failure(
      h.sdk.send(
        new UpdateUserCommand({
          IdentityStoreId: h.storeId,
          UserId: a,
          Operations: [{ AttributePath: 'userName', AttributeValue: 'BOB' }],
        }),
      ),
    );
    expect(e.name).toBe('ConflictException');
    expect(e.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    await h.sdk.send(
      new UpdateUserCommand({
        IdentityStoreId: h.storeId,
        UserId: a,
        Operations: [{ AttributePath: 'userName', AttributeValue: 'Alice' }],
      }),
    );
    const u = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: a }));
    expect(u.UserName).toBe('Alice');
    const byName = await h.sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: h.storeId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'ALICE' } },
      }),
    );
    expect(byName.UserId).toBe(a);

    const g1 = await h.createGroup('one');
    await h.createGroup('two');
    const ge = await failure(
      h.sdk.send(
        new UpdateGroupCommand({
          IdentityStoreId: h.storeId,
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
      h.sdk.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: h.storeId,
          GroupId: undefined as unknown as string,
          MemberId: { UserId: '1234567890-00000000-0000-4000-8000-000000000000' },
        }),
      ),
      "'GroupId'",
    );
    const p = await expectValidation(
      h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: 'not-an-id' })),
      "'UserId'",
    );
    expect(p.message).toContain('pattern');
    await expectValidation(
      h.sdk.send(new ListUsersCommand({ IdentityStoreId: h.storeId, MaxResults: 0 })),
      "'MaxResults'",
    );
    await expectValidation(
      h.sdk.send(new ListGroupsCommand({ IdentityStoreId: h.storeId, MaxResults: 101 })),
      "'MaxResults'",
    );
    await expectValidation(
      h.sdk.send(new CreateUserCommand(h.userInput('x', { Emails: [{ Value: 'a@b' }, { Value: 'c@d' }] }))),
      "'Emails'",
    );
    await expectValidation(
      h.sdk.send(
        new GetUserIdCommand({
          IdentityStoreId: h.storeId,
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
      h.sdk.send(new CreateUserCommand(h.userInput('carol', { Name: { FamilyName: 'Only' } }))),
      "'Name.GivenName'",
    );
    await expectValidation(
      h.sdk.send(new CreateUserCommand(h.userInput('dave', { DisplayName: undefined }))),
      "'DisplayName'",
    );
    await expectValidation(
      h.sdk.send(new CreateGroupCommand({ IdentityStoreId: h.storeId })),
      "'DisplayName'",
    );
    await expectValidation(h.sdk.send(new CreateUserCommand(h.userInput('Administrator'))), "'UserName'");
    await expectValidation(
      h.sdk.send(new CreateGroupCommand({ IdentityStoreId: h.storeId, DisplayName: 'awsadministrators' })),
      "'DisplayName'",
    );
    expect(h.emu.dump()).toEqual({ users: [], groups: [], memberships: [] });
  });
});

describe('paging', () => {
  test('250 users through the SDK paginator: each exactly once, pages of MaxResults; bad tokens rejected', async () => {
    h.emu.load({ users: manyUsers(250) });
    const pages: User[][] = [];
    for await (const page of paginateListUsers(
      { client: h.sdk, pageSize: 100 },
      { IdentityStoreId: h.storeId },
    )) {
      pages.push(page.Users ?? []);
    }
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    const ids = pages.flat().map((u) => u.UserId);
    expect(new Set(ids).size).toBe(250);
    expect(pages.flat().map((u) => u.UserName)).toEqual(manyUsers(250)?.map((u) => u.UserName));

    const first = await h.sdk.send(new ListUsersCommand({ IdentityStoreId: h.storeId }));
    expect(first.Users).toHaveLength(100);
    expect(first.NextToken).toMatch(/^[-a-zA-Z0-9+=/:_]+$/);
    const bad = await failure(
      h.sdk.send(new ListUsersCommand({ IdentityStoreId: h.storeId, NextToken: 'garbage' })),
    );
    expect(bad.name).toBe('ValidationException');
    const other = await failure(
      h.sdk.send(new ListGroupsCommand({ IdentityStoreId: h.storeId, NextToken: first.NextToken })),
    );
    expect(other.name).toBe('ValidationException');
  });

  test('creations and deletions between pages: no duplicates, no skipped survivors', async () => {
    h.emu.load({ users: manyUsers(30) });
    const page1 = await h.sdk.send(new ListUsersCommand({ IdentityStoreId: h.storeId, MaxResults: 10 }));
    const seen = (page1.Users ?? []).map((u) => u.UserName!);
    const all = h.emu.dump().users;
    const idOf = (name: string) => all.find((u) => u.UserName === name)!.UserId!;
    // delete one already seen and two not yet seen, add one
    for (const name of ['user0003', 'user0012', 'user0025']) {
      await h.sdk.send(new DeleteUserCommand({ IdentityStoreId: h.storeId, UserId: idOf(name) }));
    }
    await h.createUser('latecomer');
    let token = page1.NextToken;
    while (token) {
      const p = await h.sdk.send(
        new ListUsersCommand({ IdentityStoreId: h.storeId, MaxResults: 10, NextToken: token }),
      );
      seen.push(...(p.Users ?? []).map((u) => u.UserName!));
      token = p.NextToken;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const survivors = h.emu.dump().users.map((u) => u.UserName);
    for (const s of survivors) expect(seen).toContain(s);
    expect(seen).not.toContain('user0012');
    expect(seen).not.toContain('user0025');
  });

  test('ListUsers / ListGroups honour the deprecated Filters, ignoring case', async () => {
    await h.createUser('Zed');
    await h.createGroup('Ops');
    const u = await h.sdk.send(
      new ListUsersCommand({
        IdentityStoreId: h.storeId,
        Filters: [{ AttributePath: 'UserName', AttributeValue: 'zed' }],
      }),
    );
    expect(u.Users?.map((x) => x.UserName)).toEqual(['Zed']);
    const g = await h.sdk.send(
      new ListGroupsCommand({
        IdentityStoreId: h.storeId,
        Filters: [{ AttributePath: 'DisplayName', AttributeValue: 'OPS' }],
      }),
    );
    expect(g.Groups?.map((x) => x.DisplayName)).toEqual(['Ops']);
  });
});
