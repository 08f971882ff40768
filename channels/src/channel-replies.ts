/** What the WeCom / mini-program channels themselves say to clients and advisors (Chinese). */
export const CHANNEL_REPLIES = {
  welcome:
    '您好，欢迎咨询！我是智能助手，可以为您解答交易时间、开户、密码重置、银证转账、佣金、新股申购等问题。需要人工服务请随时回复“转人工”。',
  /** A picture, file, video … while the bot serves the client: it reads text only. */
  nonText: '抱歉，我目前只能阅读文字消息。请用文字描述您的问题；如需提交图片、文件等材料，请回复“转人工”，由顾问为您处理。',
  voice: '抱歉，我暂时听不了语音消息，请用文字描述您的问题；需要人工服务请回复“转人工”。',
} as const;

/** Why a message did not reach the client, for the advisor. */
export const FAILURE_REASONS = {
  budgetExhausted: '客户上次发言后已发送5条消息，已达企业微信/小程序限制，需等客户再次发言后才能继续发送',
  windowExpired: '客户超过48小时未发言，平台不允许再主动发送消息，需等客户再次发言',
  sessionState: '该会话当前不在可由接口发送的状态（可能已在企业微信中由人工接待或已结束）',
  rejected: '客户拒收了该消息',
  eventCodeExpired: '欢迎语的事件码已过期（20秒内有效），未能发送',
  invalidUser: '平台不认识该客户（可能已取消关注或不在可服务范围）',
  unknown: (code: number | string) => `平台拒绝发送该消息（错误码 ${code}）`,
} as const;
