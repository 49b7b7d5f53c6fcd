import {
  DeleteGroupCommand,
  DeleteGroupMembershipCommand,
  DeleteUserCommand,
  DescribeGroupCommand,
  DescribeGroupMembershipCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetGroupMembershipIdCommand,
  GetUserIdCommand,
  IsMemberInGroupsCommand,
  ListGroupMembershipsCommand,
  ListGroupMembershipsForMemberCommand,
  paginateListGroupMemberships,
  UpdateGroupCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-identitystore';
import { emulatorHarness, failure } from '../support/emulator';

const h = emulatorHarness();

describe('memberships', () => {
  test('DeleteUser and DeleteGroup cascade to memberships', async () => {
    const u1 = await h.createUser('u1');
    const u2 = await h.createUser('u2');
    const g1 = await h.createGroup('g1');
    const g2 = await h.createGroup('g2');
    const m11 = await h.addMember(g1, u1);
    await h.addMember(g2, u1);
    await h.addMember(g1, u2);
    await h.addMember(g2, u2);
    await h.sdk.send(new DeleteUserCommand({ IdentityStoreId: h.storeId, UserId: u1 }));
    const gone = await failure(
      h.sdk.send(new DescribeGroupMembershipCommand({ IdentityStoreId: h.storeId, MembershipId: m11 })),
    );
    expect(gone.name).toBe('ResourceNotFoundException');
    expect(gone.ResourceType).toBe('GROUP_MEMBERSHIP');
    const members: string[] = [];
    for await (const p of paginateListGroupMemberships(
      { client: h.sdk },
      { IdentityStoreId: h.storeId, GroupId: g1 },
    )) {
      members.push(...(p.GroupMemberships ?? []).map((m) => m.MemberId?.UserId ?? ''));
    }
    expect(members).toEqual([u2]);
    await h.sdk.send(new DeleteGroupCommand({ IdentityStoreId: h.storeId, GroupId: g2 }));
    const forU2 = await h.sdk.send(
      new ListGroupMembershipsForMemberCommand({ IdentityStoreId: h.storeId, MemberId: { UserId: u2 } }),
    );
    expect(forU2.GroupMemberships?.map((m) => m.GroupId)).toEqual([g1]);
    expect(h.emu.dump().memberships).toEqual([{ group: 'g1', user: 'u2' }]);
  });

  test('membership errors: duplicate, missing group/user/membership', async () => {
    const u = await h.createUser('member');
    const g = await h.createGroup('club');
    await h.addMember(g, u);
    const dup = await failure(h.addMember(g, u));
    expect(dup.name).toBe('ConflictException');
    expect(dup.Reason).toBe('UNIQUENESS_CONSTRAINT_VIOLATION');
    const ghost = '1234567890-00000000-0000-4000-8000-000000000000';
    const noGroup = await failure(h.addMember(ghost, u));
    expect([noGroup.name, noGroup.ResourceType, noGroup.ResourceId]).toEqual([
      'ResourceNotFoundException',
      'GROUP',
      ghost,
    ]);
    const noUser = await failure(h.addMember(g, ghost));
    expect([noUser.name, noUser.ResourceType]).toEqual(['ResourceNotFoundException', 'USER']);
    const noMembership = await failure(
      h.sdk.send(new DeleteGroupMembershipCommand({ IdentityStoreId: h.storeId, MembershipId: ghost })),
    );
    expect(noMembership.ResourceType).toBe('GROUP_MEMBERSHIP');
    const listMissing = await failure(
      h.sdk.send(new ListGroupMembershipsCommand({ IdentityStoreId: h.storeId, GroupId: ghost })),
    );
    expect(listMissing.ResourceType).toBe('GROUP');
    const delMissing = await failure(
      h.sdk.send(new DeleteUserCommand({ IdentityStoreId: h.storeId, UserId: ghost })),
    );
    expect(delMissing.ResourceType).toBe('USER');
  });

  test('GetUserId, GetGroupId, GetGroupMembershipId, IsMemberInGroups, ListGroupMembershipsForMember', async () => {
    h.emu.load({
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
    const { UserId: userId } = await h.sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: h.storeId,
        AlternateIdentifier: { ExternalId: { Issuer: 'entra', Id: 'oid-1' } },
      }),
    );
    const u = { UserId: userId! };
    const byEmail = await h.sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: h.storeId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'ext@example.com' },
        },
      }),
    );
    expect(byEmail.UserId).toBe(u.UserId);
    const g = await h.sdk.send(
      new GetGroupIdCommand({
        IdentityStoreId: h.storeId,
        AlternateIdentifier: { UniqueAttribute: { AttributePath: 'displayName', AttributeValue: 'readers' } },
      }),
    );
    const gExt = await h.sdk.send(
      new GetGroupIdCommand({
        IdentityStoreId: h.storeId,
        AlternateIdentifier: { ExternalId: { Issuer: 'entra', Id: 'gid-1' } },
      }),
    );
    expect(gExt.GroupId).toBe(g.GroupId);
    const other = await h.createGroup('Writers');
    const mId = await h.addMember(g.GroupId!, u.UserId!);
    const found = await h.sdk.send(
      new GetGroupMembershipIdCommand({
        IdentityStoreId: h.storeId,
        GroupId: g.GroupId,
        MemberId: { UserId: u.UserId },
      }),
    );
    expect(found.MembershipId).toBe(mId);
    const notMember = await failure(
      h.sdk.send(
        new GetGroupMembershipIdCommand({
          IdentityStoreId: h.storeId,
          GroupId: other,
          MemberId: { UserId: u.UserId },
        }),
      ),
    );
    expect(notMember.ResourceType).toBe('GROUP_MEMBERSHIP');
    const check = await h.sdk.send(
      new IsMemberInGroupsCommand({
        IdentityStoreId: h.storeId,
        MemberId: { UserId: u.UserId },
        GroupIds: [g.GroupId!, other],
      }),
    );
    expect(check.Results).toEqual([
      { GroupId: g.GroupId, MemberId: { UserId: u.UserId }, MembershipExists: true },
      { GroupId: other, MemberId: { UserId: u.UserId }, MembershipExists: false },
    ]);
    const forMember = await h.sdk.send(
      new ListGroupMembershipsForMemberCommand({
        IdentityStoreId: h.storeId,
        MemberId: { UserId: u.UserId },
      }),
    );
    expect(forMember.GroupMemberships?.map((m) => [m.GroupId, m.MembershipId])).toEqual([[g.GroupId, mId]]);
    const miss = await failure(
      h.sdk.send(
        new GetUserIdCommand({
          IdentityStoreId: h.storeId,
          AlternateIdentifier: { UniqueAttribute: { AttributePath: 'userName', AttributeValue: 'nobody' } },
        }),
      ),
    );
    expect([miss.name, miss.ResourceType]).toEqual(['ResourceNotFoundException', 'USER']);
    const gMiss = await failure(
      h.sdk.send(
        new GetGroupIdCommand({
          IdentityStoreId: h.storeId,
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
    h.sdk.send(
      new UpdateUserCommand({ IdentityStoreId: h.storeId, UserId, Operations: Operations as never }),
    );

  test('sets, replaces and removes attributes; UpdatedAt moves', async () => {
    const id = await h.createUser('eve');
    await update(id, [
      { AttributePath: 'nickName', AttributeValue: 'evie' },
      { AttributePath: 'title', AttributeValue: 'CTO' },
    ]);
    const before = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: id }));
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
    const after = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: id }));
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
    const whole = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: id }));
    expect(whole.Name).toEqual({ GivenName: 'E', FamilyName: 'V' });
    const byNewEmail = await h.sdk.send(
      new GetUserIdCommand({
        IdentityStoreId: h.storeId,
        AlternateIdentifier: {
          UniqueAttribute: { AttributePath: 'emails.value', AttributeValue: 'eve@new.example' },
        },
      }),
    );
    expect(byNewEmail.UserId).toBe(id);
  });

  test('unknown paths, removing required attributes and invalid values are ValidationExceptions, nothing applied', async () => {
    const id = await h.createUser('frank');
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
    const u = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: id }));
    expect(u.NickName).toBeUndefined();
    expect(u.DisplayName).toBe('frank display');
  });

  test('UpdateGroup: displayName and description', async () => {
    const g = await h.createGroup('grp');
    await h.sdk.send(
      new UpdateGroupCommand({
        IdentityStoreId: h.storeId,
        GroupId: g,
        Operations: [
          { AttributePath: 'displayName', AttributeValue: 'Group One' },
          { AttributePath: 'description', AttributeValue: 'the first' },
        ],
      }),
    );
    const d = await h.sdk.send(new DescribeGroupCommand({ IdentityStoreId: h.storeId, GroupId: g }));
    expect(d).toMatchObject({ DisplayName: 'Group One', Description: 'the first' });
    await h.sdk.send(
      new UpdateGroupCommand({
        IdentityStoreId: h.storeId,
        GroupId: g,
        Operations: [{ AttributePath: 'description' }],
      }),
    );
    const d2 = await h.sdk.send(new DescribeGroupCommand({ IdentityStoreId: h.storeId, GroupId: g }));
    expect(d2.Description).toBeUndefined();
  });
});
