/**
 * Errcodes the simulators answer. WECOM.md names -1, 40001, 40014, 42001, 45009, 45015,
 * 45047, 45080 and 95018; 40007 and 830002 come from the media/get pages; the others from
 * Tencent's global code lists (WeCom 90313, WeChat global return codes) as we know them.
 * Clients should branch on the named ones only.
 */
export const Errcode = {
  SystemBusy: -1,
  /** WeCom gettoken: wrong corpsecret. Mini-program: access_token invalid or not the latest. */
  InvalidCredential: 40001,
  InvalidGrantType: 40002,
  InvalidOpenId: 40003,
  /** media/get: unknown or expired media_id (a media_id lives 3 days). */
  InvalidMediaId: 40007,
  InvalidMsgType: 40008,
  InvalidCorpIdOrAppId: 40013,
  /** WeCom: access_token invalid. */
  InvalidAccessToken: 40014,
  InvalidParameter: 40058,
  InvalidExternalUserId: 40096,
  InvalidAppSecret: 40125,
  MissingAccessToken: 41001,
  MissingCorpId: 41002,
  MissingSecret: 41004,
  MissingMediaId: 41006,
  AccessTokenExpired: 42001,
  EmptyContent: 44004,
  ContentTooLong: 45002,
  TooFrequent: 45009,
  /** Mini-program: no open reply window (never, or over 48 h / 1 min). */
  ReplyWindowExpired: 45015,
  /** Mini-program: reply window open but its message count is used up. */
  ReplyCountExceeded: 45047,
  TypingBadCommand: 45072,
  TypingNoRecentInteraction: 45080,
  TypingAlready: 45081,
  DataFormatError: 47001,
  KfInvalidOpenKfId: 95000,
  /** kf: more than 5 messages since the client's last message. */
  KfSendCountLimit: 95001,
  /** kf: more than 48 h since the client's last message. */
  KfSendTimeLimit: 95002,
  KfInvalidMsgToken: 95007,
  KfInvalidServicer: 95014,
  KfTransitionNotAllowed: 95016,
  KfWrongSessionState: 95018,
  /** WeCom media/get: the file is over 20 MB and must be fetched in Range parts. */
  MediaTooLargeUseRange: 830002,
} as const;
