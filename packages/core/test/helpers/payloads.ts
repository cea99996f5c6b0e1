import type { ChangeId } from '../../src';

const ORDER = {
  serviceOrderId: '4503599741262320',
  serviceOrderCode: '0120190802003050',
  templateId: '110000064',
  templateDifId: '110000064',
  busiTypeId: '110000127',
  organId: '671024',
};

/** A complete payload per changeId: every field of the seed's table, with valid values. */
export const VALID_PAYLOADS: Record<ChangeId, Record<string, unknown>> = {
  1: {
    ...ORDER,
    serviceTypeCode: 'fwwt',
    templateInstName: '房屋问题',
    busiTypeCode: 'dian',
    busiTypeName: '电',
    trackId: '450359974126230101',
    trackCode: 'NODE_DS_SUBMIT',
    trackName: '提单',
    houseId: '408325',
    eHouseId: 'H-408325',
    houseInfo: '2栋-1单元-10001',
    transportTypeId: '1',
    transportTypeName: 'APP终端接入',
    userId: '110640113',
    eUserId: 'E-110640113',
    userType: '1',
    transportUserId: '94781',
    transportEuserId: 'E-94781',
    noteName: '刘凯',
    contactName: '噜噜噜',
    contactTel: '19133333333',
    organName: '海文花园',
    communityId: '139912543382896',
    eCommunityId: 'C-139912543382896',
    createDate: '20190802161622',
    address: '软件园1栋1单元101房',
    remark: '测试房屋问题4',
    categoryId: '1',
    isBespeak: '1',
    bespeakBegintime: '20190803090000',
    bespeakEndtime: '20190803120000',
    voiceId: '',
    reqVariables: [{ title: '紧急程度', attrCode: 'CESSO', attrValue: '2' }],
  },
  5: {
    ...ORDER,
    serviceTypeCode: 'fwwt',
    busiTypeCode: 'dian',
    communityId: '139912543382896',
    eCommunityId: 'C-139912543382896',
    trackId: '450359974126230102',
    trackCode: 'NODE_DS_DISPATCH',
    trackName: '派单',
    statusName: '待派单',
    createDate: '20190802161622',
    currentUser: [{ userId: '94781', eUserId: 'E-94781', userName: '刘凯', userType: '2', userTel: '19133333333' }],
    trackInfo: '待[刘凯]派单',
  },
  2: {
    ...ORDER,
    serviceTypeCode: 'fwwt',
    busiTypeCode: 'dian',
    trackId: '450359974126232002',
    trackCode: 'NODE_DS_DISPATCH',
    trackName: '派单',
    statusName: '已派单',
    createDate: '20190802190338',
    handleDate: '20190802190338',
    userType: '2',
    currentUserId: '94781',
    currentEuserId: 'E-94781',
    currentUserName: '刘凯',
    currentUserTel: '19133333333',
    trackInfo: '刘凯已派单',
    reviewResult: '1',
    evalue: '5',
    dealAdvise: '',
    variables: [{ title: '选择处理人', attrCode: 'HANDLER_CHECKBOX', attrValue: '' }],
  },
  3: {
    ...ORDER,
    serviceTypeCode: 'fwwt',
    busiTypeCode: 'dian',
    trackId: '450359974126232006',
    trackCode: 'NODE_DS_OVER',
    trackName: '结束',
    statusName: '结束',
    createDate: '20190802190257',
    handleDate: '20190802190338',
    overType: '1',
    operator: '刘凯',
    dealAdvise: '重复提单',
    trackInfo: '刘凯已取消工单,工单结束',
  },
  4: {
    ...ORDER,
    evalue: '4',
    evaluator: '噜噜噜',
    evaluateMsg: '好评',
    evaluateTime: '20190802190338',
  },
  6: {
    ...ORDER,
    communityId: '139912543382896',
    eCommunityId: 'C-139912543382896',
    trackId: '450359974126232004',
    trackCode: 'NODE_DS_DEAL',
    trackName: '处理',
    userId: '94781',
    eUserId: 'E-94781',
    userName: '刘凯',
    hangtime: '20190802190659',
    planrelievetime: '20190802190722',
    hangremark: '挂起测试',
    hangStatus: '2',
    factRelieveHang: '20190802190722',
    reviewAdvise: '同意',
  },
  7: {
    ...ORDER,
    communityId: '139912543382896',
    eCommunityId: 'C-139912543382896',
    trackId: '450359974126232004',
    trackCode: 'NODE_DS_DEAL',
    trackName: '处理',
    supflag: '1',
    currentUser: [{ userId: '94781', eUserId: 'E-94781', userName: '刘凯', userType: '2' }],
    supUser: [{ userId: '94782', eUserId: 'E-94782', userName: '王五' }],
  },
  8: {
    ...ORDER,
    trackId: '450359974126232004',
    trackCode: 'NODE_DS_DEAL',
    trackName: '处理',
    supflag: '1',
    supuserId: '94782',
    supuserName: '王五',
    suptime: '20190802190722',
    supremark: '请尽快处理',
  },
  9: {
    ...ORDER,
    communityId: '139912543382896',
    eCommunityId: 'C-139912543382896',
    trackId: '450359974126232004',
    trackCode: 'NODE_DS_DEAL',
    trackName: '处理',
    requserId: '94781',
    reqEuserId: 'E-94781',
    requserName: '刘凯',
    createDate: '20190802190722',
    remark: '转给王五',
    taruserId: '94782',
    tarEuserId: 'E-94782',
    taruserName: '王五',
  },
  10: {
    ...ORDER,
    communityId: '139912543382896',
    eCommunityId: 'C-139912543382896',
    trackId: '450359974126232004',
    trackCode: 'NODE_DS_DEAL',
    trackName: '处理',
    userId: '110640113',
    eUserId: 'E-110640113',
    userName: '噜噜噜',
    createTime: '20190802190722',
    comment: '请尽快上门',
    photo: '',
    commentType: '2',
  },
};

/** A copy of the valid payload of `id`, with `changes` applied (`undefined` removes a field). */
export function payload(id: ChangeId, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const copy: Record<string, unknown> = structuredClone(VALID_PAYLOADS[id]);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
  }
  return copy;
}

/** An envelope around `data`. */
export function envelope(changeId: ChangeId | string | number, data: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { dataArea: 'fwwt', changeId: String(changeId), data, ...extra };
}

/** `{code, path}` of problems, sorted, for comparisons that do not depend on order or wording. */
export function codesAndPaths(problems: readonly { code: string; path: string }[] | undefined): { code: string; path: string }[] {
  return (problems ?? [])
    .map(({ code, path }) => ({ code, path }))
    .sort((a, b) => (a.path === b.path ? a.code.localeCompare(b.code) : a.path.localeCompare(b.path)));
}
