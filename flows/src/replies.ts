/** What the bot says to clients in situations the flows do not answer themselves. */
export const REPLIES = {
  handoffQueued: '好的，正在为您转接人工服务，请稍候。顾问接入前，您可以继续描述您的问题，顾问会看到完整记录。',
  handoffDistress: '我们非常理解您现在的心情，已为您优先转接专属顾问，请稍候，马上有人与您联系。',
  fallback:
    '抱歉，我暂时没能理解您的问题。您可以换个说法，或者问我：交易时间、开户、密码重置、银证转账、佣金、新股申购、两融开通等。需要人工服务请回复“转人工”。',
  advisorJoined: (name: string) => `您好，我是顾问${name}，已接入为您服务。`,
  offerHuman: '抱歉，我好像没能帮到您。需要为您转接人工顾问吗？回复“转人工”即可；也可以换个说法再问我。',
  complaintIntake:
    '非常抱歉给您带来不好的体验，已为您优先转接专人处理。请在这里描述具体情况（时间、涉及的业务和金额），顾问接入后会直接看到，不需要您重复说明。',
  afterHours: (hours: string) =>
    `现在是非人工服务时间（人工服务时间：${hours}）。已为您登记回电，顾问上班后会第一时间联系您。您可以继续留言，顾问会看到全部内容；一般业务问题我也可以继续为您解答。`,
  humanClosed: '本次人工服务已结束，感谢您的耐心。如还有问题，可以随时留言，智能助手会继续为您服务。',
} as const;
